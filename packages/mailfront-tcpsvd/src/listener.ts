/**
 * What every session of a worker shares (read-only), and the statuses and
 * counters with which the listener itself ends or refuses a session.
 */
import type { Writable } from 'node:stream';
import type { Env } from '@mailfront/core';
import type { Lookups } from './dns.js';
import type { ListenerLog } from './log.js';
import type { ListenerOptions } from './options.js';
import type { Resolved } from './programs.js';
import type { WorkerRateLimits } from './rate-limits.js';
import type { RulesSource } from './rules-source.js';

/** A session the rules, -C or a rate limit refused. */
export const EXIT_DENY = 100;
/** A session dropped for a temporary reason, or whose program died of a bug. */
export const EXIT_DROP = 111;
/** Counters of a session the listener refused itself (for the connections metric): over -C, over a rate limit. */
export const OVER_PER_HOST_LIMIT = 'listener_per_host_limit';
export const RATE_LIMITED = 'listener_rate_limited';

export interface Listener {
  options: ListenerOptions;
  /** The listener's own environment: each session starts from a copy. */
  baseEnv: Env;
  rules: RulesSource | undefined;
  lookups: Lookups;
  /** Which program a name stands for (programs.ts's ProgramTable). */
  programs: { resolve(name: string, path: string | undefined): Resolved };
  log: ListenerLog;
  /**
   * --proxy-from: tells the primary that session `id`'s client is `ip`;
   * resolves with the sessions from `ip` now, this one included (the -C
   * count). Absent: the count stays as the primary made it.
   */
  moveClient?: (id: number, ip: string) => Promise<number>;
  /** Where the programs' log lines go (fd 2). */
  stderr: Writable;
  windDown: AbortSignal;
  /** The rate limits, asked of the primary (rate-limits.ts); none when absent. */
  rateLimits?: Pick<WorkerRateLimits, 'ask'>;
}
