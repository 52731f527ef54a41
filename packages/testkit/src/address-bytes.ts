/** An IP address as the bytes that go on the wire (DNS records, PROXY v2 headers), read by ipaddr.js. */
import ipaddr from 'ipaddr.js';

/** 4 bytes for an IPv4 address, 16 for an IPv6 one (`::` and an embedded IPv4 tail included). */
export function addressBytes(address: string): Buffer {
  return Buffer.from(ipaddr.parse(address).toByteArray());
}
