/**
 * PROXY protocol headers written the way HAProxy 3.x writes them
 * (`src/connection.c`): v1 `TCP4` when both ends are IPv4, else `TCP6` with
 * the IPv4 side as an IPv4-mapped address, and `PROXY UNKNOWN\r\n` without
 * addresses; v2 PROXY with 0x11 or 0x21 (mixed families as 0x21), LOCAL with
 * UNSPEC and only TLVs for its own health checks. For tests of the
 * receivers (proxy-env, mailfront-tcpsvd --proxy-from).
 */
import { isIPv4 } from 'node:net';
import { addressBytes } from './address-bytes.js';

export interface ProxyEnds {
  source: string;
  sourcePort: number;
  destination: string;
  destinationPort: number;
}

const SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
export const PP2_TYPE_ALPN = 0x01;
export const PP2_TYPE_AUTHORITY = 0x02;
export const PP2_TYPE_CRC32C = 0x03;
export const PP2_TYPE_UNIQUE_ID = 0x05;

const mapped = (address: string) => (isIPv4(address) ? `::ffff:${address}` : address);

/** `send-proxy`: the v1 line; without ends, `PROXY UNKNOWN`. */
export function haproxyV1(ends?: ProxyEnds): Buffer {
  if (!ends) return Buffer.from('PROXY UNKNOWN\r\n');
  const both4 = isIPv4(ends.source) && isIPv4(ends.destination);
  const [src, dst] = both4 ? [ends.source, ends.destination] : [mapped(ends.source), mapped(ends.destination)];
  return Buffer.from(`PROXY ${both4 ? 'TCP4' : 'TCP6'} ${src} ${dst} ${ends.sourcePort} ${ends.destinationPort}\r\n`);
}

/**
 * `send-proxy-v2`: PROXY with the addresses, or 'local' for a health check
 * (LOCAL + UNSPEC). TLVs follow the addresses; with `crc32c` given, a
 * CRC32C TLV is added last and filled in as HAProxy does.
 */
export function haproxyV2(ends: ProxyEnds | 'local', tlvs: Array<[number, Buffer]> = [], crc32c?: (bytes: Uint8Array) => number): Buffer {
  let family = 0x00;
  let addresses = Buffer.alloc(0);
  if (ends !== 'local') {
    const both4 = isIPv4(ends.source) && isIPv4(ends.destination);
    family = both4 ? 0x11 : 0x21;
    const ports = Buffer.alloc(4);
    ports.writeUInt16BE(ends.sourcePort, 0);
    ports.writeUInt16BE(ends.destinationPort, 2);
    const bytes = (a: string) => addressBytes(both4 ? a : mapped(a));
    addresses = Buffer.concat([bytes(ends.source), bytes(ends.destination), ports]);
  }
  const allTlvs = crc32c ? [...tlvs, [PP2_TYPE_CRC32C, Buffer.alloc(4)] as [number, Buffer]] : tlvs;
  const tlvBytes = Buffer.concat(
    allTlvs.map(([type, value]) => {
      const head = Buffer.alloc(3);
      head[0] = type;
      head.writeUInt16BE(value.length, 1);
      return Buffer.concat([head, value]);
    }),
  );
  const fixed = Buffer.alloc(4);
  fixed[0] = ends === 'local' ? 0x20 : 0x21;
  fixed[1] = family;
  fixed.writeUInt16BE(addresses.length + tlvBytes.length, 2);
  const header = Buffer.concat([SIGNATURE, fixed, addresses, tlvBytes]);
  if (crc32c) header.writeUInt32BE(crc32c(header), header.length - 4);
  return header;
}
