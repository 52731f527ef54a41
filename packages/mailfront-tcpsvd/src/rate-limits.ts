/**
 * The rate limits (RATELIMIT_CONNECTIONS, _NET_CONNECTIONS, _MESSAGES,
 * _RECIPIENTS; docs/ratelimit.md) across all workers: the primary keeps the
 * one RateLimiter, and a worker asks it over IPC for every connection (after
 * the rules, whose instructions can change the limits for a client), every
 * MAIL and every RCPT. A question is only sent when the session has a limit
 * for that event, so a listener without RATELIMIT_* never pays the round
 * trip.
 */
import { escapeLogText, type Env, type Reply } from '@mailfront/core';
import { readRateLimits, RateLimiter, type RateLimits, type Verdict } from '@mailfront/ratelimit';
import type { LimitRequest, ToWorker } from './ipc.js';

export type RateEventKind = LimitRequest['event'];

/** The primary's side: answers the workers' questions and logs a refusal once per window. */
export class PrimaryRateLimits {
  readonly #limiter: RateLimiter;
  readonly #log: (line: string) => void;

  constructor(options: { log: (line: string) => void; now?: () => number; maxEntries?: number }) {
    this.#limiter = new RateLimiter({ now: options.now, maxEntries: options.maxEntries });
    this.#log = options.log;
  }

  answer(request: LimitRequest): ToWorker {
    let verdict: Verdict;
    try {
      const { ip, limits } = request;
      verdict = request.event === 'connection' ? this.#limiter.connection(ip, limits) : request.event === 'message' ? this.#limiter.message(ip, limits) : this.#limiter.recipient(ip, limits);
    } catch (e) {
      // An address the limiter cannot read (none under tcpsvd's own
      // variables) is not limited rather than refused.
      this.#log(`ratelimit: ${escapeLogText((e as Error).message)}`);
      verdict = { allowed: true };
    }
    if (!verdict.allowed && verdict.log) this.#log(verdict.log);
    return { t: 'verdict', seq: request.seq, verdict };
  }
}

/** The session's limits from its environment; a bad value is logged and means no limit. */
export function sessionLimits(env: Env, warn: (line: string) => void): RateLimits {
  try {
    return readRateLimits(env);
  } catch (e) {
    warn(`ratelimit: ${(e as Error).message}; no rate limit for this session`);
    return {};
  }
}

const NEEDS: Record<RateEventKind, Array<keyof RateLimits>> = {
  connection: ['connections', 'netConnections'],
  message: ['messages'],
  recipient: ['recipients'],
};

/** A worker's side: questions to the primary, matched to their answers by sequence number. */
export class WorkerRateLimits {
  readonly #send: (request: LimitRequest) => void;
  readonly #pending = new Map<number, (verdict: Verdict) => void>();
  #seq = 0;

  constructor(send: (request: LimitRequest) => void) {
    this.#send = send;
  }

  /** The reply to refuse with, or undefined; no question at all (and no promise) when no limit applies to the event. */
  ask(event: RateEventKind, ip: string, limits: RateLimits): Promise<Reply | undefined> | undefined {
    if (!NEEDS[event].some((kind) => limits[kind] !== undefined)) return undefined;
    const seq = ++this.#seq;
    return new Promise<Verdict>((resolve) => {
      this.#pending.set(seq, resolve);
      this.#send({ t: 'limit', seq, event, ip, limits });
    }).then((verdict) => (verdict.allowed ? undefined : verdict.reply));
  }

  /** An answer from the primary. */
  verdict(message: Extract<ToWorker, { t: 'verdict' }>): void {
    const resolve = this.#pending.get(message.seq);
    this.#pending.delete(message.seq);
    resolve?.(message.verdict);
  }

  /** The primary is gone: nothing will be answered; let every waiting session go on unlimited. */
  release(): void {
    for (const resolve of this.#pending.values()) resolve({ allowed: true });
    this.#pending.clear();
  }
}
