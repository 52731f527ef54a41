/**
 * CVM requests: building them (client side) and parsing them (module side).
 *
 * v2:  02, R, R random bytes, then TAG LEN VALUE items, then 00.
 * v1:  01, account 00, domain 00, [one credential 00], 00.
 *
 * The module-side parser accepts exactly what cvm 0.97's module accepts, so
 * any client that works with the C module works with ours, but it never
 * reads past the bytes it was given: input shorter than 3 bytes, a nonce
 * or an item that runs past the end is answered with error 2 (the C module
 * crashes on the one-byte request `02`, and copies from past the end of the
 * packet in the other cases).
 */
import { CRED_MAX, Cred, CVM_PACKET_MAX, CVM_REQUEST_LIMIT, CVM_VALUE_MAX, CvmCode } from './constants.js';

export interface CvmCredential {
  type: number;
  value: Buffer;
}

export type EncodedRequest = { ok: true; packet: Buffer } | { ok: false; code: number; reason: string };

/** Why a request could not be built; the code is what the C client reports in the same case. */
const TOO_LONG = 'request longer than 511 bytes';
const VALUE_TOO_LONG = 'credential longer than 255 bytes';
const V1_NUL = 'a v1 credential cannot contain a NUL byte';
const V1_TOO_MANY = 'v1 carries one credential besides account and domain';

/**
 * A v2 request. The C client adds an item only while the request stays
 * under 511 bytes (else it fails with 1, General error); a value over 255
 * bytes it writes with a wrapped length byte, corrupting the request. Here
 * that is refused as 2 (Invalid data from client), the answer the C module
 * usually gives to such a request.
 */
export function encodeRequestV2(random: Uint8Array, credentials: readonly CvmCredential[]): EncodedRequest {
  if (random.length > CVM_VALUE_MAX) return { ok: false, code: CvmCode.GENERAL, reason: 'too many random bytes' };
  // The size check covers every item before the 255-byte one, so the code is
  // the C client's in both cases (it fails on size as it adds items, and
  // only a request that fits reaches the module to be refused as corrupt).
  let length = 2 + random.length;
  for (const { value } of credentials) {
    if (length + value.length + 2 >= CVM_REQUEST_LIMIT) return { ok: false, code: CvmCode.GENERAL, reason: TOO_LONG };
    length += value.length + 2;
  }
  if (credentials.some(({ value }) => value.length > CVM_VALUE_MAX)) return { ok: false, code: CvmCode.BAD_CLIDATA, reason: VALUE_TOO_LONG };
  const parts: Buffer[] = [Buffer.from([2, random.length]), Buffer.from(random)];
  for (const { type, value } of credentials) parts.push(Buffer.from([type & 0xff, value.length]), value);
  parts.push(Buffer.from([0]));
  return { ok: true, packet: Buffer.concat(parts) };
}

/** A v1 request: account, domain and at most one other credential (password or secret). */
export function encodeRequestV1(credentials: readonly CvmCredential[]): EncodedRequest {
  let account: Buffer = Buffer.alloc(0);
  let domain: Buffer = Buffer.alloc(0);
  const others: Buffer[] = [];
  for (const { type, value } of credentials) {
    if (value.includes(0)) return { ok: false, code: CvmCode.BAD_CLIDATA, reason: V1_NUL };
    if (type === Cred.ACCOUNT) account = value;
    else if (type === Cred.DOMAIN) domain = value;
    else if (value.length > 0) others.push(value);
  }
  if (others.length > 1) return { ok: false, code: CvmCode.GENERAL, reason: V1_TOO_MANY };
  const nul = Buffer.from([0]);
  const parts = [Buffer.from([1]), account, nul, domain, nul, ...others.flatMap((o) => [o, nul]), nul];
  const packet = Buffer.concat(parts);
  if (packet.length >= CVM_PACKET_MAX) return { ok: false, code: CvmCode.GENERAL, reason: TOO_LONG };
  return { ok: true, packet };
}

/** A request as a module sees it. */
export interface ParsedRequest {
  /** 0, or 2 (Invalid data from client). */
  code: number;
  /** Layout of the reply: 2 for a v2 request, 1 for v1 and for anything unrecognised. */
  version: 1 | 2;
  /** The nonce to echo (v2). */
  random: Buffer;
  /** Credentials by type 0..7; a later duplicate replaces an earlier one. Types above 7 are skipped. */
  credentials: Array<Buffer | undefined>;
}

/**
 * Parses a request of at most 512 bytes (longer input is cut there, as the
 * module reads no more). `v1CredentialType` is where a v1 credential goes:
 * SECRET when the module is in lookup mode, PASSWORD otherwise.
 */
export function parseRequest(input: Buffer, v1CredentialType: number = Cred.PASSWORD): ParsedRequest {
  const packet = input.length > CVM_PACKET_MAX ? input.subarray(0, CVM_PACKET_MAX) : input;
  if (packet[0] === 2) return parseV2(packet);
  const request: ParsedRequest = { code: CvmCode.BAD_CLIDATA, version: 1, random: Buffer.alloc(0), credentials: [] };
  if (packet[0] === 1) request.code = parseV1(packet, request.credentials, v1CredentialType);
  return request;
}

function parseV2(packet: Buffer): ParsedRequest {
  const n = packet.length;
  const randomCount = n > 1 ? packet[1]! : 0;
  // The nonce is echoed even in an error reply; bytes missing from a short
  // packet are echoed as zeros, as the C module's zeroed buffer gives.
  const random = Buffer.alloc(randomCount);
  if (n > 2) packet.copy(random, 0, 2, Math.min(n, 2 + randomCount));
  const request: ParsedRequest = { code: CvmCode.BAD_CLIDATA, version: 2, random, credentials: [] };
  if (n < 3) return request;
  let i = 2 + randomCount;
  while (i < n - 2) {
    const type = packet[i]!;
    const end = i + 2 + packet[i + 1]!;
    if (end > n) return request;
    if (type <= CRED_MAX) request.credentials[type] = packet.subarray(i + 2, end);
    i = end;
  }
  // The terminator need not be the last byte: one byte may follow it, as the
  // C module allows (any run of trailing NULs also parses, as empty items).
  if (i < n && packet[i] === 0) request.code = CvmCode.OK;
  return request;
}

function parseV1(packet: Buffer, credentials: Array<Buffer | undefined>, credentialType: number): number {
  let position = 1;
  const next = (): Buffer | undefined => {
    const nul = packet.indexOf(0, position);
    if (nul === -1) return undefined;
    const value = packet.subarray(position, nul);
    position = nul + 1;
    return value;
  };
  const onlyTerminatorLeft = () => packet.length - position === 1 && packet[position] === 0;
  const account = next();
  const domain = next();
  // The domain is a required field (it may be empty), and the final empty string must follow it.
  if (account === undefined || domain === undefined || position >= packet.length) return CvmCode.BAD_CLIDATA;
  credentials[Cred.ACCOUNT] = account;
  if (domain.length > 0) credentials[Cred.DOMAIN] = domain;
  if (!onlyTerminatorLeft()) {
    const credential = next();
    if (credential === undefined || !onlyTerminatorLeft()) return CvmCode.BAD_CLIDATA;
    credentials[credentialType] = credential;
  }
  return CvmCode.OK;
}
