/** PROXY protocol version 2: the binary header (see header.ts for what is accepted). */
import { crc32c } from './crc32c.js';
import { ipv4FromBytes, ipv6FromBytes } from './address.js';
import type { ProxyParse } from './types.js';

export const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const FIXED = 16;
const COMMAND_LOCAL = 0x0;
const COMMAND_PROXY = 0x1;
const TCP_OVER_IPV4 = 0x11;
const TCP_OVER_IPV6 = 0x21;
const TLV_CRC32C = 0x03;
/** Valid family (high nibble) and transport (low nibble) values: UNSPEC, INET, INET6, UNIX × UNSPEC, STREAM, DGRAM. */
const validFamily = (byte: number) => byte >> 4 <= 3 && (byte & 0x0f) <= 2;

function invalid(reason: string): ProxyParse {
  return { kind: 'invalid', reason };
}

export function parseV2(bytes: Buffer, maxLength: number): ProxyParse {
  if (bytes.length < FIXED) return { kind: 'incomplete', need: FIXED - bytes.length };
  const versionCommand = bytes[12]!;
  if (versionCommand >> 4 !== 2) return invalid(`v2 header with version ${versionCommand >> 4}`);
  const command = versionCommand & 0x0f;
  if (command !== COMMAND_LOCAL && command !== COMMAND_PROXY) return invalid(`v2 header with command ${command}`);
  const family = bytes[13]!;
  if (!validFamily(family)) return invalid(`v2 header with address family byte 0x${family.toString(16)}`);
  const total = FIXED + bytes.readUInt16BE(14);
  if (total > maxLength) return invalid(`v2 header of ${total} bytes, over the limit of ${maxLength}`);
  if (bytes.length < total) return { kind: 'incomplete', need: total - bytes.length };
  const header = bytes.subarray(0, total);
  const addressLength = family === TCP_OVER_IPV4 ? 12 : family === TCP_OVER_IPV6 ? 36 : 0;
  if (command === COMMAND_PROXY && addressLength === 0) return invalid('v2 PROXY without a TCP/IPv4 or TCP/IPv6 address');
  if (total - FIXED < addressLength) return invalid('v2 address block shorter than its family needs');
  const tlvProblem = checkTlvs(header, FIXED + addressLength);
  if (tlvProblem) return invalid(tlvProblem);
  if (command === COMMAND_LOCAL) return { kind: 'complete', header: { version: 2, command: 'local' }, length: total };
  const a = header.subarray(FIXED);
  const size = family === TCP_OVER_IPV4 ? 4 : 16;
  const text = size === 4 ? ipv4FromBytes : ipv6FromBytes;
  return {
    kind: 'complete',
    header: {
      version: 2,
      command: 'proxy',
      source: { address: text(a.subarray(0, size)), port: a.readUInt16BE(2 * size) },
      destination: { address: text(a.subarray(size, 2 * size)), port: a.readUInt16BE(2 * size + 2) },
    },
    length: total,
  };
}

/** TLVs must tile the rest of the header exactly; a CRC32C TLV must match. Others are skipped. */
function checkTlvs(header: Buffer, start: number): string | undefined {
  for (let at = start; at < header.length; ) {
    if (at + 3 > header.length) return 'v2 TLV cut short';
    const type = header[at]!;
    const length = header.readUInt16BE(at + 1);
    if (at + 3 + length > header.length) return 'v2 TLV runs past the header';
    if (type === TLV_CRC32C) {
      if (length !== 4) return 'v2 CRC32C TLV of the wrong size';
      const expected = header.readUInt32BE(at + 3);
      const zeroed = Buffer.from(header);
      zeroed.fill(0, at + 3, at + 7);
      if (crc32c(zeroed) !== expected) return 'v2 CRC32C mismatch';
    }
    at += 3 + length;
  }
  return undefined;
}
