/**
 * What the primary and its workers say to each other over the IPC channel
 * of child_process.fork. A session's socket travels with its `session`
 * message as a raw handle (see primary.ts for why).
 */

/** Primary → worker. */
export type ToWorker =
  /** Run a session on the handle that comes with this message. */
  | { t: 'session'; id: number; concurrency: number }
  /** SIGTERM: finish what is running, take nothing new. */
  | { t: 'wind-down' }
  /** SIGHUP: look at every cached file again now. */
  | { t: 'recheck' };

/** Worker → primary. */
export type ToPrimary =
  /** A session is over: its status and counters (extension point for metrics). */
  { t: 'end'; id: number; status: number; counters: Record<string, number> };

/** The environment variable that makes a process a worker; never passed on to a session. */
export const WORKER_MARK = 'MAILFRONT_TCPSVD_WORKER';

export function isToWorker(m: unknown): m is ToWorker {
  return typeof m === 'object' && m !== null && typeof (m as { t?: unknown }).t === 'string';
}

export function isToPrimary(m: unknown): m is ToPrimary {
  return typeof m === 'object' && m !== null && (m as { t?: unknown }).t === 'end';
}
