/**
 * The DNS side of rblsmtpd: one resolver per connection (DNSCACHEIP, as
 * djbdns-based tools read it, else the system's resolv.conf), and one
 * lookup per -r or -a option.
 */
import { checkAllowList, checkBlockList, DnsblResolver, parseDnsServers, type DnsblResult } from '@mailfront/dnsbl';
import type { ListStep } from './decision.js';

export interface ListLookupOptions {
  /** The DNSCACHEIP value, if set. */
  dnsCacheIp: string | undefined;
  timeoutMs: number;
}

export interface ListLookup {
  check(step: ListStep): Promise<DnsblResult>;
  cancel(): void;
}

/**
 * Lookups for the client at `ip`. Without a usable client address nothing
 * can be asked, and every list reports a failure, which -c/-C then decide
 * (the original would have asked about the zone's own name).
 * Throws RangeError for a DNSCACHEIP that names no server.
 */
export function createListLookup(ip: string | undefined, options: ListLookupOptions): ListLookup {
  const servers = options.dnsCacheIp === undefined ? [] : parseDnsServers(options.dnsCacheIp);
  const resolver = new DnsblResolver({ servers, timeoutMs: options.timeoutMs });
  return {
    check: async (step) => {
      if (ip === undefined) {
        return { status: 'error', zone: step.zone, name: step.zone, problem: 'failure', detail: 'no client IP address to look up' };
      }
      return step.kind === 'block-list' ? checkBlockList(resolver, ip, step.zone) : checkAllowList(resolver, ip, step.zone);
    },
    cancel: () => resolver.cancel(),
  };
}
