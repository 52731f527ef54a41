/**
 * Which peers may send a PROXY header: a list of addresses and CIDR blocks
 * (`10.0.0.0/8,192.0.2.7,2001:db8::/32`), matched with node:net's
 * BlockList. IPv4-mapped IPv6 peers (`::ffff:10.1.2.3`, as a `::` socket
 * reports IPv4 clients) match the IPv4 entries.
 */
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { unmapped } from './address.js';

export class TrustedProxies {
  readonly #list = new BlockList();
  readonly size: number;

  /** Throws an Error naming the first entry that is not an address or CIDR block. */
  constructor(spec: string) {
    const entries = spec.split(/[\s,]+/).filter((e) => e !== '');
    for (const entry of entries) this.#add(entry);
    this.size = entries.length;
  }

  #add(entry: string): void {
    const slash = entry.indexOf('/');
    const address = slash === -1 ? entry : entry.slice(0, slash);
    const family = isIPv4(address) ? 'ipv4' : isIPv6(address) && !address.includes('%') ? 'ipv6' : undefined;
    const bits = family === 'ipv4' ? 32 : 128;
    const prefixText = slash === -1 ? String(bits) : entry.slice(slash + 1);
    const prefix = /^[0-9]{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
    if (family === undefined || !(prefix <= bits)) throw new Error(`"${entry}" is not an IP address or CIDR block`);
    this.#list.addSubnet(address, prefix, family);
  }

  /** Whether the peer (as tcpsvd reports it, in text) is one of the proxies. */
  allows(peer: string | undefined): boolean {
    if (peer === undefined) return false;
    const address = unmapped(peer);
    if (isIPv4(address)) return this.#list.check(address, 'ipv4');
    return isIPv6(address) && this.#list.check(address, 'ipv6');
  }
}
