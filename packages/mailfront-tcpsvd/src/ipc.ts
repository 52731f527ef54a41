/**
 * What the primary and its workers say to each other over the IPC channel
 * of child_process.fork. A session's socket travels with its `session`
 * message as a raw handle (see primary.ts for why).
 */
import type { RateEvent } from '@mailfront/core';
import type { RateLimits, Verdict } from '@mailfront/ratelimit';

/** Primary → worker. */
export type ToWorker =
  /** Run a session on the handle that comes with this message. */
  | { t: 'session'; id: number; concurrency: number }
  /** SIGTERM: finish what is running, take nothing new. */
  | { t: 'wind-down' }
  /** SIGHUP: look at every cached file again now. */
  | { t: 'recheck' }
  /** The primary's answer to a `limit` question (rate-limits.ts). */
  | { t: 'verdict'; seq: number; verdict: Verdict }
  /** --proxy-from: the sessions from the PROXY header's client, this one included (the -C count). */
  | { t: 'concurrency'; id: number; concurrency: number };

/** Worker → primary. */
export type ToPrimary =
  /** A session is over: its status, counters and timings (extension point for metrics). */
  | { t: 'end'; id: number; status: number; counters: Record<string, number>; observations?: Record<string, number[]> }
  /** A rate-limit question (rate-limits.ts): counted in the primary, across all workers. */
  | LimitRequest
  /** --proxy-from: the session's client is `ip` (from its PROXY header), not the proxy it came through. */
  | { t: 'client'; id: number; ip: string };

/** One more connection, message or recipient from `ip`, judged against `limits` (the session's RATELIMIT_*). */
export interface LimitRequest {
  t: 'limit';
  seq: number;
  event: 'connection' | RateEvent;
  ip: string;
  limits: RateLimits;
}

/** The environment variable that makes a process a worker; never passed on to a session. */
export const WORKER_MARK = 'MAILFRONT_TCPSVD_WORKER';

export function isToWorker(m: unknown): m is ToWorker {
  return typeof m === 'object' && m !== null && typeof (m as { t?: unknown }).t === 'string';
}

export function isToPrimary(m: unknown): m is ToPrimary {
  const t = typeof m === 'object' && m !== null ? (m as { t?: unknown }).t : undefined;
  return t === 'end' || t === 'limit' || t === 'client';
}
