/**
 * The DNS questions tcpsvd asks for a connection: the client's name (-h),
 * its forward confirmation (-p), the local address's name (no -l), and the
 * addresses of `=host` instructions. Like tcpsvd's djbdns resolver these go
 * to DNS only (no /etc/hosts), to $DNSCACHEIP when it is set, else to the
 * system's name servers.
 */
import { isIPv4 } from 'node:net';
import { caresResolver, parseDnsServers, reversedAddress } from '@mailfront/dnsbl';

/** How long one question may take, all tries together. */
const LOOKUP_TIMEOUT_MS = 10_000;
/** No such name or no such record: an answer, not a failure. */
const NOT_FOUND = new Set(['ENOTFOUND', 'NXDOMAIN', 'ENODATA']);

export interface Lookups {
  /** The name of an address: undefined when it has none; throws on a DNS failure. */
  name(address: string): Promise<string | undefined>;
  /** The IPv4 addresses of a name (a dotted quad is itself): empty when none; throws on a DNS failure. */
  addresses(host: string): Promise<string[]>;
}

export function dnsLookups(dnsCacheIp: string | undefined): Lookups {
  const resolver = caresResolver(LOOKUP_TIMEOUT_MS, dnsCacheIp === undefined ? [] : parseDnsServers(dnsCacheIp));
  const orNothing = <T>(empty: T) => (e: unknown): T => {
    if (NOT_FOUND.has((e as NodeJS.ErrnoException).code ?? '')) return empty;
    throw e;
  };
  return {
    // resolvePtr, not reverse(): c-ares's reverse() reports a SERVFAIL as "not found".
    name: async (address) => {
      const reversed = reversedAddress(address);
      if (reversed === undefined) return undefined;
      const zone = isIPv4(address) ? 'in-addr.arpa' : 'ip6.arpa';
      return (await resolver.resolvePtr(`${reversed}.${zone}`).catch(orNothing([] as string[])))[0];
    },
    addresses: async (host) => (isIPv4(host) ? [host] : resolver.resolve4(host).catch(orNothing([] as string[]))),
  };
}

/** -h/-p: the client's name, or '' when it has none, or (-p) when the name does not lead back to it. */
export async function remoteName(lookups: Lookups, address: string, paranoid: boolean): Promise<string> {
  const name = await lookups.name(address);
  if (name === undefined) return '';
  if (!paranoid) return name;
  return (await lookups.addresses(name)).includes(address) ? name : '';
}
