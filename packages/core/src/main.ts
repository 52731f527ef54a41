/**
 * The frame of every binary: `src/main.ts` of a binary package exports a
 * main(argv, env, io) that returns its exit status, so tests call it
 * directly with fake streams; `src/bin.ts` passes it to runMain with the
 * real process.
 */
import type { Readable, Writable } from 'node:stream';
import type { Env } from './env.js';
import { crashText } from './log.js';
import { LogStream, processLog } from './log-stream.js';
import type { Reply } from './reply.js';
import { processStdin, processStdout, stdoutWasUsed } from './stdio.js';

export interface Io {
  /** Used lazily: touching process.stdin makes fd 0 non-blocking, which a program we exec into must not inherit. */
  readonly stdin: Readable;
  readonly stdout: Writable;
  /** The log: in a real process the LogStream on fd 2 (buffered, asynchronous, whole lines). */
  readonly stderr: Writable;
  /**
   * Set only in listen mode, by mailfront-tcpsvd: the session this io
   * belongs to (see chain.ts). Programs use it through handOff(),
   * sessionPid(), countFor() and untilWindDown(), never directly.
   */
  readonly session?: ListenSession;
}

/** What mailfront-tcpsvd gives a session in `io.session` (see chain.ts). */
export interface ListenSession {
  /** Stands for the pid in log lines; unique within one run of the listener. */
  readonly id: number;
  /**
   * Runs argv (the rest of the chain) with the same connection and env:
   * this project's programs in-process, others spawned onto the socket.
   * Resolves with its exit status; rejects with ExecError when argv[0]
   * cannot be run, as execProgram does.
   */
  runNext(argv: readonly string[], env: Env): Promise<number>;
  /** Aborted when the listener winds down (SIGTERM). */
  readonly windDown: AbortSignal;
  /** Adds `amount` (default 1) to one of the session's counters. */
  count(counter: string, amount?: number): void;
  /** Records how long something took (seconds), for the listener's timing histograms. */
  observe?(name: string, seconds: number): void;
  /**
   * Asks the listener's rate limits (counted across all its workers) about
   * one more message or recipient from this client: a reply to refuse it
   * with, or undefined to go on. A promise only when the listener must be
   * asked (a limit applies); without one the answer is there at once.
   */
  limit?(event: RateEvent): Promise<Reply | undefined> | Reply | undefined;
}

/** What the listener's rate limits count inside a session. */
export type RateEvent = 'message' | 'recipient';

export type Main = (argv: string[], env: Env, io: Io) => Promise<number>;

/** Exit status for a temporary failure, the djb convention. */
export const EXIT_TEMPORARY = 111;

/**
 * How long the peer may take to take the last bytes before we exit anyway.
 * Every protocol waits for its replies to leave while the session runs, so
 * what is left at the end is a final reply, which a client that reads takes
 * at once; one that stopped reading (and was timed out) must not keep the
 * process alive: it is gone within a second of its timeout.
 */
export const FINAL_FLUSH_LIMIT_MS = 1_000;

/** The log (stderr) is local and trusted: its last lines are worth a longer wait. */
export const LOG_FLUSH_LIMIT_MS = 60_000;

/** Resolves once everything written to the stream so far has been handed to the kernel; lifts any cork. */
export function drained(stream: Writable): Promise<void> {
  if (stream instanceof LogStream) return stream.flush();
  if (stream.destroyed || stream.writableEnded) return Promise.resolve();
  while (stream.writableCorked > 0) stream.uncork();
  return new Promise((resolve) => stream.write('', () => resolve()));
}

export function processIo(): Io {
  return {
    get stdin() {
      return processStdin();
    },
    get stdout() {
      return processStdout();
    },
    stderr: processLog(),
  };
}

/** Signals on which a program that does not handle them itself still flushes its log before it dies of them. */
const FLUSHED_SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];

/** How long a dying process waits for its log to leave. */
export const SIGNAL_FLUSH_LIMIT_MS = 5_000;

function within(ms: number, work: Promise<unknown>): Promise<unknown> {
  return Promise.race([work, new Promise<void>((resolve) => setTimeout(resolve, ms).unref())]);
}

/**
 * SIGTERM, SIGINT, SIGHUP: the log is flushed, then the signal is raised
 * again with its default action, so the process still dies of it (status
 * 128+n for the parent) and no line is lost.
 */
function flushLogOnSignals(stream: LogStream): void {
  for (const signal of FLUSHED_SIGNALS) {
    const onSignal = () => {
      void within(SIGNAL_FLUSH_LIMIT_MS, stream.flush()).then(() => {
        process.off(signal, onSignal);
        process.kill(process.pid, signal);
      });
    };
    process.on(signal, onSignal);
  }
}

export interface RunMainOptions {
  /**
   * The program handles SIGTERM, SIGINT and SIGHUP itself (mailfront-tcpsvd
   * winds down on SIGTERM) and flushes its log before it exits; runMain
   * then installs no handler of its own for them.
   */
  ownSignals?: boolean;
  /**
   * The program handles uncaught exceptions and rejections itself
   * (mailfront-tcpsvd ends only the session they belong to); runMain then
   * leaves them alone.
   */
  ownCrashes?: boolean;
}

/**
 * Runs a main with the real process and exits with its status, after the
 * last bytes of stdout and the log have left. A bug that escapes main is
 * logged and exits 111, the djb "temporary failure", so a supervisor or a
 * sending MTA retries rather than loses mail.
 */
export function runMain(program: string, main: Main, options: RunMainOptions = {}): void {
  const stream = processLog();
  // The last resort (process.exit called elsewhere): what is still queued.
  // A write the thread pool has in hand is not waited for there, which is
  // why crashes below go through finish() instead.
  process.on('exit', () => stream.flushSync());
  if (!options.ownSignals) flushLogOnSignals(stream);
  let finishing = false;
  const finish = async (code: number) => {
    finishing = true;
    const stdout = stdoutWasUsed() ? drained(process.stdout) : Promise.resolve();
    await Promise.all([within(FINAL_FLUSH_LIMIT_MS, stdout), within(LOG_FLUSH_LIMIT_MS, stream.flush())]);
    process.exit(code);
  };
  const fatal = (e: unknown) => {
    stream.write(`${program}[${process.pid}]: Fatal: internal error: ${crashText(e)}\n`);
    // A second crash while the first one's lines leave is logged, not waited for twice.
    return finishing ? undefined : finish(EXIT_TEMPORARY);
  };
  if (!options.ownCrashes) {
    // An exception thrown outside main's promise (a timer, an event) is the
    // same bug as one main rejects with: logged as one line, exit 111 once
    // every line before it has left (Node's own handler would exit at once,
    // with log writes still in the thread pool).
    process.on('uncaughtException', fatal);
    process.on('unhandledRejection', fatal);
  }
  main(process.argv.slice(2), process.env, processIo()).then(finish, fatal);
}
