/**
 * The rate limits of a listener: one window table per limit, kept in one
 * place (the primary process) so that every worker's clients count
 * together; the workers ask it per connection, message and recipient.
 *
 * A refused event is answered with the reply for the client and, the first
 * time in a window for that key, a log line; later refusals in the same
 * window are quiet, so a client that hammers cannot flood the log.
 */
import type { Reply } from '@mailfront/core';
import { clientKeys } from './client-keys.js';
import { LIMIT_VARIABLES, WINDOW_MS, type LimitKind, type RateLimits } from './limits.js';
import { WindowTable } from './window-table.js';

export type Verdict = { allowed: true } | { allowed: false; reply: Reply; log: string | undefined };

export interface RateLimiterOptions {
  /** Keys per table (see WindowTable). */
  maxEntries?: number;
  now?: () => number;
}

/** Over RATELIMIT_CONNECTIONS: the connection is closed after this reply (Postfix answers the same). */
export const tooManyConnections = (ip: string): Reply => ({ code: 421, text: `4.7.0 Too many connections from ${ip}, try again later` });
/** Over RATELIMIT_NET_CONNECTIONS. */
export const tooManyNetConnections = (network: string): Reply => ({
  code: 421,
  text: `4.7.0 Too many connections from your network ${network}, try again later`,
});
/** Over RATELIMIT_MESSAGES, answered at MAIL. */
export const tooMuchMail = (ip: string): Reply => ({ code: 451, text: `4.7.1 Too much mail from ${ip}, try again later` });
/** Over RATELIMIT_RECIPIENTS, answered at RCPT. */
export const tooManyRecipients = (ip: string): Reply => ({ code: 451, text: `4.7.1 Too many recipients from ${ip}, try again later` });

const PER: Record<LimitKind, string> = { connections: 'a minute', netConnections: 'a minute', messages: 'an hour', recipients: 'an hour' };
const EVENT: Record<LimitKind, string> = { connections: 'connections', netConnections: 'connections', messages: 'messages', recipients: 'recipients' };

export class RateLimiter {
  readonly #tables: Record<LimitKind, WindowTable>;
  readonly #now: () => number;

  constructor(options: RateLimiterOptions = {}) {
    this.#now = options.now ?? Date.now;
    const table = (kind: LimitKind) => new WindowTable({ windowMs: WINDOW_MS[kind], maxEntries: options.maxEntries, now: this.#now });
    this.#tables = {
      connections: table('connections'),
      netConnections: table('netConnections'),
      messages: table('messages'),
      recipients: table('recipients'),
    };
  }

  /** Keys held per limit (bounded by maxEntries). */
  sizes(): Record<LimitKind, number> {
    const t = this.#tables;
    return { connections: t.connections.size, netConnections: t.netConnections.size, messages: t.messages.size, recipients: t.recipients.size };
  }

  /** A new connection from `ip`: counted against the address and the network limit. */
  connection(ip: string, limits: RateLimits): Verdict {
    const keys = clientKeys(ip);
    const byAddress = this.#check('connections', keys.address, limits, tooManyConnections);
    const byNetwork = this.#check('netConnections', keys.network, limits, tooManyNetConnections);
    return byAddress.allowed ? byNetwork : byAddress;
  }

  /** A message (MAIL) from `ip`. */
  message(ip: string, limits: RateLimits): Verdict {
    const { address } = clientKeys(ip);
    return this.#check('messages', address, limits, tooMuchMail);
  }

  /** A recipient (RCPT) from `ip`. */
  recipient(ip: string, limits: RateLimits): Verdict {
    const { address } = clientKeys(ip);
    return this.#check('recipients', address, limits, tooManyRecipients);
  }

  /** `refusal` makes the reply for `key`, only when the event is refused. */
  #check(kind: LimitKind, key: string, limits: RateLimits, refusal: (key: string) => Reply): Verdict {
    const limit = limits[kind];
    if (limit === undefined) return { allowed: true };
    const hit = this.#tables[kind].hit(key, limit);
    if (hit.allowed) return { allowed: true };
    const until = new Date(hit.windowEnds).toISOString().replace(/\.\d+Z$/, 'Z');
    const log = hit.firstRefusal
      ? `ratelimit: ${key}: more than ${limit} ${EVENT[kind]} ${PER[kind]} (${LIMIT_VARIABLES[kind]}), refused until ${until}`
      : undefined;
    return { allowed: false, reply: refusal(key), log };
  }
}
