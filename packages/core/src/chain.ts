/**
 * The two ways a program of this project runs, seen from the program.
 *
 * Exec mode (the C way): tcpsvd or tcpserver forks per connection and
 * execs the chain; the program owns its process, and "run the next program"
 * is a real execve.
 *
 * Listen mode: mailfront-tcpsvd accepts the connection and calls the first
 * program's main(argv, env, io) with `io.session` set. Many sessions share
 * one process, so the session brings what the process would otherwise
 * stand for:
 *
 * - `runNext`: where a program would exec the next one it calls this
 *   instead; the listener runs that program's main with the same io, or
 *   spawns a program of another project onto the socket.
 * - `id`: the session's number. It stands for the pid in every log line
 *   (`mailfront-smtpd[ID]: …`, `rblsmtpd: IP pid ID: …`) and in the
 *   listener's own `start ID …` / `end ID exit N` lines, so the lines of one
 *   connection pair up exactly as they do by pid under tcpsvd. It is unique
 *   among the sessions of one run of the listener, across its workers.
 * - `windDown`: aborted when the listener is told to stop (SIGTERM). A
 *   program finishes what it is doing (a message in DATA is received and
 *   queued), then ends at its next wait for the client (SMTP answers 421).
 * - `count`: per-session counters (messages, recipients, bytes) that the
 *   listener adds up and reports with the session's end event; `observe`:
 *   durations for its timing histograms (observeFor).
 * - `limit`: the listener's rate limits for messages and recipients, counted
 *   across its workers (limitFor).
 *
 * Programs never test for listen mode themselves: they call handOff(),
 * sessionPid() and untilWindDown(), which do the right thing in both modes.
 */
import { onAbort } from './abort-waiters.js';
import type { Env } from './env.js';
import { ExecError, execProgram, type ExecOptions } from './exec.js';
import { drained, EXIT_TEMPORARY, type Io, type RateEvent } from './main.js';
import type { Reply } from './reply.js';

/**
 * Hands the connection to the next program of the chain: execve in exec
 * mode (with the options' beforeExec and execve), the listener's runNext in
 * listen mode. Pending log lines are flushed first in exec mode, since
 * execve discards them.
 */
export function handOff(argv: readonly string[], env: Env, io: Io, options: ExecOptions = {}): Promise<number> {
  if (io.session) return io.session.runNext(argv, env);
  const flushLog = options.beforeExec ?? (() => drained(io.stderr));
  return execProgram(argv, env, { ...options, beforeExec: flushLog });
}

/**
 * handOff for a chain program (rblsmtpd, greetwait, proxy-env): a next
 * program that cannot be run is told to `fail` (the program's own fatal log
 * line) and ends the session with 111, a temporary failure; any other
 * error is a bug and is thrown.
 */
export async function handOffOrFail(
  argv: readonly string[],
  env: Env,
  io: Io,
  fail: (message: string) => void,
  options: ExecOptions = {},
): Promise<number> {
  try {
    return await handOff(argv, env, io, options);
  } catch (e) {
    if (!(e instanceof ExecError)) throw e;
    fail(e.message);
    return EXIT_TEMPORARY;
  }
}

/** The number that identifies this run of a program in its log lines: the session id in listen mode, else the pid. */
export function sessionPid(io: Io): number {
  return io.session?.id ?? process.pid;
}

/** Adds to a per-session counter in listen mode; nothing in exec mode. */
export function countFor(io: Io, counter: string, amount = 1): void {
  io.session?.count(counter, amount);
}

/** Records a duration (seconds) for the listener's metrics in listen mode; nothing in exec mode. */
export function observeFor(io: Io, name: string, seconds: number): void {
  io.session?.observe?.(name, seconds);
}

/**
 * The listener's rate limit for one more message or recipient: a reply to
 * refuse it with, or undefined; a promise only when the listener must be
 * asked. Exec mode has no limits (nothing counts across the processes of
 * tcpsvd).
 */
export function limitFor(io: Io, event: RateEvent): Promise<Reply | undefined> | Reply | undefined {
  return io.session?.limit?.(event);
}

/** What untilWindDown resolves with when the listener asked the session to end. */
export const WOUND_DOWN: unique symbol = Symbol('wound down');

/**
 * Waits for `pending` (a read from the client, typically), unless the
 * listener winds down first: then resolves with WOUND_DOWN at once and
 * leaves `pending` to settle unobserved (the connection is about to close,
 * which ends it). Without a signal (exec mode) this is just `pending`.
 */
export function untilWindDown<T>(pending: Promise<T>, signal: AbortSignal | undefined): Promise<T | typeof WOUND_DOWN> {
  if (!signal) return pending;
  if (signal.aborted) {
    pending.catch(() => {});
    return Promise.resolve(WOUND_DOWN);
  }
  return new Promise((resolve, reject) => {
    const stopWaiting = onAbort(signal, () => {
      pending.catch(() => {});
      resolve(WOUND_DOWN);
    });
    pending.then(
      (value) => {
        stopWaiting();
        resolve(value);
      },
      (e: unknown) => {
        stopWaiting();
        reject(e);
      },
    );
  });
}
