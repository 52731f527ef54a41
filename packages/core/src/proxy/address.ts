/**
 * Addresses as the PROXY protocol carries them, in the text form the UCSPI
 * variables use: dotted quad for IPv4, RFC 5952 compressed lower case for
 * IPv6, and an IPv4-mapped IPv6 address (`::ffff:192.0.2.1`, which HAProxy
 * writes for mixed families) as the IPv4 address it stands for.
 */
import { isIPv4, isIPv6 } from 'node:net';

/** Dotted decimal without leading zeros, as the v1 specification requires. */
const CANONICAL_IPV4 = /^(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$/;
const MAPPED = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i;

export function isCanonicalIpv4(text: string): boolean {
  return CANONICAL_IPV4.test(text);
}

/** An IPv6 address in text (no zone, no brackets), compressed; IPv4-mapped ones unmapped. */
export function normalIpv6(text: string): string | undefined {
  if (!isIPv6(text) || text.includes('%')) return undefined;
  const ipv4 = unmapped(text);
  if (ipv4 !== text) return ipv4;
  // The WHATWG URL serialiser writes the RFC 5952 form.
  const serialised = new URL(`http://[${text}]/`).hostname.slice(1, -1);
  const hexMapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(serialised);
  if (hexMapped) {
    const [hi, lo] = [parseInt(hexMapped[1]!, 16), parseInt(hexMapped[2]!, 16)];
    return `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
  }
  return serialised;
}

export function ipv4FromBytes(bytes: Uint8Array): string {
  return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
}

export function ipv6FromBytes(bytes: Uint8Array): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return normalIpv6(groups.join(':'))!;
}

/** The family of an address in text, after unmapping. */
export function unmapped(address: string): string {
  const mapped = MAPPED.exec(address);
  return mapped && isIPv4(mapped[1]!) ? mapped[1]! : address;
}
