import { Readable } from 'node:stream';
import { collector } from '@mailfront/testkit';
import { Cred, encodeRequestV2, type CvmCredential } from '@mailfront/cvm';

export function io(input: Buffer[] = []) {
  const out = collector();
  const err = collector();
  return { io: { stdin: Readable.from(input), stdout: out.stream, stderr: err.stream }, out, err };
}

export const PWFILE = [
  'pwfuser:testpass:123:456:Gecos,xyz:/home/ftp:/bin/false',
  'cryptuser:$1$abc$DZDMjXoV1djqp8PtZVbep/:234:567:Crypt:/home/crypt:/bin/true',
  'nogecos:pw::789:::',
  'emptypw::1:2:g:/d:/s',
  'short:pw',
  'short2:pw:1',
  'baduid:pw:-1:2:g:/d:/s',
  'extra:pw:1:2:g:/d:/s:more',
  'dup:first:1:1:first:/d:/s',
  'dup:second:2:2:second:/d:/s',
  ':pw:7:7:emptyname:/d:/s',
  'nolf:pw:3:3:g:/d:/s',
].join('\n');

/** A v2 request packet (no nonce). */
export function request(account: string, password?: string, extra: CvmCredential[] = []): Buffer {
  const creds: CvmCredential[] = [{ type: Cred.ACCOUNT, value: Buffer.from(account) }];
  if (password !== undefined) creds.push({ type: Cred.PASSWORD, value: Buffer.from(password) });
  const encoded = encodeRequestV2(Buffer.alloc(0), [...creds, ...extra]);
  if (!encoded.ok) throw new Error(encoded.reason);
  return encoded.packet;
}
