/**
 * The names a DNSBL is asked about (RFC 5782 §2): the client address
 * reversed, then the list's zone. IPv4 1.2.3.4 in zen.example becomes
 * 4.3.2.1.zen.example; IPv6 becomes its 32 hexadecimal nibbles, lowest first.
 * An IPv4-mapped IPv6 address (::ffff:1.2.3.4, what a dual-stack listener
 * reports for an IPv4 client) is asked about as the IPv4 address it is.
 */
import { isIPv4, isIPv6 } from 'node:net';

/** A DNS name is at most 253 characters in text form (255 bytes on the wire). */
const MAX_NAME_LENGTH = 253;
const MAX_LABEL_LENGTH = 63;
/** Letters, digits, hyphen and underscore: what DNSBL zones are made of. */
const LABEL = /^[A-Za-z0-9_-]+$/;
const MAPPED_IPV4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i;

export class DnsblNameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DnsblNameError';
  }
}

/** The IPv4 address inside an IPv4-mapped IPv6 address, or the address unchanged. */
export function unmapAddress(ip: string): string {
  const mapped = MAPPED_IPV4.exec(ip);
  return mapped && isIPv4(mapped[1]!) ? mapped[1]! : ip;
}

/** Eight groups of four hex digits, `::` expanded. */
function expandIPv6(ip: string): string {
  let text = ip.toLowerCase();
  // An embedded IPv4 tail (::1.2.3.4) becomes two groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4[1]!.split('.').map(Number) as [number, number, number, number];
    text = text.slice(0, v4.index) + ((a << 8) | b).toString(16) + ':' + ((c << 8) | d).toString(16);
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = tail === undefined ? [] : Array(8 - headGroups.length - tailGroups.length).fill('0');
  return [...headGroups, ...zeros, ...tailGroups].map((g) => g.padStart(4, '0')).join('');
}

/**
 * The reversed form of an address without the zone: `4.3.2.1` or the 32
 * nibbles of an IPv6 address. Undefined for anything that is not an address.
 */
export function reversedAddress(ip: string): string | undefined {
  const address = unmapAddress(ip);
  if (isIPv4(address)) return address.split('.').reverse().join('.');
  if (isIPv6(address) && !address.includes('%')) return [...expandIPv6(address)].reverse().join('.');
  return undefined;
}

/**
 * A zone as given on a command line or in a configuration, checked and
 * without a final dot. Refuses names that could not be a DNS zone: an empty
 * name, empty labels, characters other than letters, digits, `-` and `_`,
 * and names too long to leave room for an IPv6 query.
 */
export function normaliseZone(zone: string): string {
  const name = zone.endsWith('.') ? zone.slice(0, -1) : zone;
  const problem =
    name === ''
      ? 'the zone is empty'
      : name.split('.').some((label) => !LABEL.test(label) || label.length > MAX_LABEL_LENGTH)
        ? 'a zone is made of labels of letters, digits, "-" and "_", separated by dots'
        : name.length + 64 > MAX_NAME_LENGTH
          ? `the zone is longer than ${MAX_NAME_LENGTH - 64} characters`
          : undefined;
  if (problem) throw new DnsblNameError(`bad DNSBL zone "${zone}": ${problem}`);
  return name;
}

/** The name to look up for `ip` in `zone`; throws DnsblNameError for a bad address or zone. */
export function dnsblQueryName(ip: string, zone: string): string {
  const reversed = reversedAddress(ip);
  if (reversed === undefined) throw new DnsblNameError(`not an IP address: "${ip}"`);
  return `${reversed}.${normaliseZone(zone)}`;
}
