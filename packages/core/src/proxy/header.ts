/**
 * The PROXY protocol header (HAProxy's proxy-protocol.txt, versions 1 and
 * 2), as a pure parser over the bytes received so far: it answers
 * "incomplete, read at least N more bytes", "invalid, because…", or "a
 * header of L bytes". Reading (caps, timeout, fragments) is read.ts.
 *
 * What is accepted, by the receiver rules of the specification and the
 * choices documented in docs/proxy-env.md:
 * - v1 `TCP4`/`TCP6` lines in exact form (one space between fields,
 *   canonical addresses, ports without leading zeros), at most 107 bytes
 *   with the CR LF, which must end the line;
 * - v2 PROXY over TCP/IPv4 or TCP/IPv6, with TLVs checked for framing (and
 *   CRC32C when present) and otherwise skipped; v2 LOCAL (health checks)
 *   with any address block;
 * - refused, as Postfix refuses them, because they would let the client
 *   keep the proxy's own address and so sidestep address-based access
 *   control: v1 `UNKNOWN`, v2 PROXY with UNSPEC, UDP or UNIX addresses.
 */
import type { ProxyParse } from './types.js';
import { parseV1 } from './v1.js';
import { parseV2, V2_SIGNATURE } from './v2.js';

export { V1_MAX_LENGTH } from './v1.js';

/** Our cap on a v2 header (16 bytes + addresses + TLVs); HAProxy's, SSL details included, stay well under it. */
export const V2_DEFAULT_MAX_LENGTH = 4096;

const V1_PREFIX = Buffer.from('PROXY ');

export interface ParseOptions {
  /** Longest v2 header accepted, in bytes (default V2_DEFAULT_MAX_LENGTH). */
  maxV2Length?: number;
}

/** Whether `bytes` is a prefix of `whole` (or the other way round). */
function agrees(bytes: Buffer, whole: Buffer): boolean {
  const n = Math.min(bytes.length, whole.length);
  return bytes.subarray(0, n).equals(whole.subarray(0, n));
}

export function parseProxyHeader(bytes: Buffer, options: ParseOptions = {}): ProxyParse {
  // The shortest header of either version is 15 bytes (`PROXY UNKNOWN\r\n`),
  // so that much can always be read without taking a byte of the session.
  if (bytes.length === 0) return { kind: 'incomplete', need: 15 };
  if (agrees(bytes, V2_SIGNATURE)) return parseV2(bytes, options.maxV2Length ?? V2_DEFAULT_MAX_LENGTH);
  if (agrees(bytes, V1_PREFIX)) return parseV1(bytes);
  return { kind: 'invalid', reason: 'not a PROXY protocol header' };
}
