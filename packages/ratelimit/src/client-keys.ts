/**
 * What a client is counted under: its address, and its network (/24 for
 * IPv4, /64 for IPv6: what one customer usually holds). An IPv4-mapped IPv6
 * address (::ffff:192.0.2.7, what a dual-stack socket reports) counts as the
 * IPv4 address it carries.
 */
import ipaddr from 'ipaddr.js';

export interface ClientKeys {
  /** The address in its canonical form. */
  address: string;
  /** The network in CIDR form: 192.0.2.0/24, 2001:db8:1:2::/64. */
  network: string;
}

export const IPV4_PREFIX = 24;
export const IPV6_PREFIX = 64;

/** Throws RangeError for text that is not an IP address. */
export function clientKeys(ip: string): ClientKeys {
  if (!ipaddr.isValid(ip)) throw new RangeError(`not an IP address: "${ip}"`);
  const parsed = ipaddr.process(ip);
  const v4 = parsed.kind() === 'ipv4';
  const prefix = v4 ? IPV4_PREFIX : IPV6_PREFIX;
  const mask = (v4 ? ipaddr.IPv4 : ipaddr.IPv6).subnetMaskFromPrefixLength(prefix).toByteArray();
  const bytes = parsed.toByteArray().map((b, i) => b & mask[i]!);
  const base = ipaddr.fromByteArray(bytes);
  return { address: parsed.toString(), network: `${base.toString()}/${prefix}` };
}
