/**
 * What each mechanism makes of the client's decoded responses: the
 * credentials to check, the next challenge, or a malformed response.
 *
 *   PLAIN     `authzid NUL authcid NUL password` (RFC 4616); the authzid is
 *             ignored, as in libcvm-sasl
 *   LOGIN     `Username:` then `Password:` (draft-murchison-sasl-login)
 *   CRAM-MD5  `user SP 32-hex-digits` answering `<pid.sec.nonce@host>` (RFC 2195)
 */
import { randomInt } from 'node:crypto';
import { CVM_VALUE_MAX } from '@mailfront/cvm';

export const LOGIN_USERNAME_CHALLENGE = 'Username:';
export const LOGIN_PASSWORD_CHALLENGE = 'Password:';

/** What the CVM is asked: a password, or a CRAM-MD5 digest. */
export type Credentials =
  | { kind: 'password'; username: string; password: string }
  | { kind: 'cram-md5'; username: string; challenge: string; digest: Buffer };

/** Malformed: "Could not decode the response." */
export const MALFORMED = 'malformed' as const;

/** PLAIN's one message, or MALFORMED (anything but exactly two NULs, an empty user or password). */
export function parsePlain(data: Buffer): Credentials | typeof MALFORMED {
  const first = data.indexOf(0);
  const second = first === -1 ? -1 : data.indexOf(0, first + 1);
  if (second === -1 || data.indexOf(0, second + 1) !== -1) return MALFORMED;
  const username = data.subarray(first + 1, second).toString('utf8');
  const password = data.subarray(second + 1).toString('utf8');
  if (username === '' || password === '') return MALFORMED;
  return { kind: 'password', username, password };
}

/** A LOGIN answer (user name or password): not empty, no NUL. */
export function parseLoginField(data: Buffer): string | typeof MALFORMED {
  if (data.length === 0 || data.includes(0)) return MALFORMED;
  return data.toString('utf8');
}

const CRAM_RESPONSE = /^(.+) ([0-9a-fA-F]{32})$/s;

export function parseCramMd5(data: Buffer, challenge: string): Credentials | typeof MALFORMED {
  const match = CRAM_RESPONSE.exec(data.toString('utf8'));
  if (match === null || match[1]!.includes('\0')) return MALFORMED;
  return { kind: 'cram-md5', username: match[1]!, challenge, digest: Buffer.from(match[2]!, 'hex') };
}

/** A fresh CRAM-MD5 challenge in libcvm-sasl's shape, with a random part instead of microseconds. */
export function cramMd5Challenge(hostname: string, now = Date.now()): string {
  return `<${process.pid}.${Math.floor(now / 1000)}.${randomInt(1_000_000)}@${hostname}>`;
}

/** A CVM credential holds at most 255 bytes; longer ones are refused before any CVM is asked. */
export function fitsCvm(credentials: Credentials): boolean {
  const fits = (s: string) => Buffer.byteLength(s, 'utf8') <= CVM_VALUE_MAX;
  if (!fits(credentials.username)) return false;
  return credentials.kind === 'password' ? fits(credentials.password) : fits(credentials.challenge);
}
