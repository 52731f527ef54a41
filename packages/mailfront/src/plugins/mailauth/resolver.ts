/**
 * The DNS resolver the mailauth library asks: `(name, rrtype) => records`,
 * the shape of `dns.promises.resolve`, on node:dns's own Resolver (c-ares
 * sockets, not libuv's four threads; dnsbl's caresResolver) pointed at
 * DNSCACHEIP when it is set.
 *
 * Two bounds keep one message from holding a session for long: every query
 * has a deadline (all of c-ares' tries together), and a check as a whole
 * has one; once it has passed, every further query fails at once. Both
 * failures carry the code `ETIMEOUT`, which the library maps to temperror,
 * as it maps ENOTFOUND/ENODATA to a void lookup (RFC 7208 §4.6.4).
 */

/** What mailauth calls; the records are whatever node:dns returns for the type. */
export type MailauthResolver = (name: string, rrtype: string) => Promise<never[]>;

/** The part of node:dns's Resolver that is used, so tests can pass a stand-in. */
export interface ResolveLike {
  resolve(name: string, rrtype: string): Promise<unknown>;
  cancel(): void;
}

export interface ResolverSettings {
  /** Name servers (`ip`, `ip:port`, `[ipv6]:port`); empty: the system's (resolv.conf). */
  servers: readonly string[];
  /** Time for one query, all tries together, in milliseconds. */
  queryTimeoutMs: number;
}

function timeoutError(name: string, why: string): NodeJS.ErrnoException {
  const e: NodeJS.ErrnoException = new Error(`${why} resolving ${name}`);
  e.code = 'ETIMEOUT';
  return e;
}

/**
 * A resolver for one check (SPF at MAIL, or the message checks at its end)
 * that gives up on every query after `totalMs` from now.
 */
export function boundedResolver(base: ResolveLike, queryTimeoutMs: number, totalMs: number, now: () => number = Date.now): MailauthResolver {
  const deadline = now() + totalMs;
  return async (name, rrtype) => {
    const left = deadline - now();
    if (left <= 0) throw timeoutError(name, 'time limit of the check reached');
    let timer: NodeJS.Timeout | undefined;
    // c-ares keeps its own time; this is the promise to the caller.
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(timeoutError(name, 'DNS timeout')), Math.min(left, queryTimeoutMs + 50));
    });
    try {
      return (await Promise.race([base.resolve(name, rrtype), late])) as never[];
    } finally {
      clearTimeout(timer);
    }
  };
}
