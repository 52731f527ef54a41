/**
 * qmail-queue started from a small long-lived process (the qmail-lspawn
 * idea), for the qmail backend in a long-lived process (mailfront-tcpsvd).
 *
 * Every Node spawn on Linux is a fork of the whole process: its cost grows
 * with the address space (≈ 0.7 ms at 50 MB, several ms for a busy worker)
 * and the worker's event loop stands still meanwhile, for every message.
 * A `/bin/sh` of a megabyte or two forks in a fraction of that. So each
 * worker keeps a few helper shells, started once, and asks one of them per
 * message to run qmail-queue:
 *
 *   worker → helper (one line on its stdin):
 *     cd 'HOME' && export 'NAME=value'… && exec 'QMAILQUEUE' 0<'/proc/PID/fd/M' 1<'/proc/PID/fd/E'
 *   helper → worker (one line on its stdout): "QMAILQUEUE-PID STATUS"
 *
 * The message and the envelope are the worker's unlinked temporary files,
 * which the helper's child opens through /proc (no copy, nothing left on
 * disk if anything dies). Values are single-quoted; a newline is spliced in
 * from $NL, so a request is always one line. The helper starts with an
 * empty environment and qmail-queue gets exactly the session's. A helper
 * runs one qmail-queue at a time; the pool grows on demand.
 *
 * The message is acknowledged only on status 0, as with a direct spawn. A
 * helper that dies fails its message with a temporary error and is
 * replaced by the next request.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';

/** The helper: read a request, run it in a child shell that execs qmail-queue, report its pid and status. */
const HELPER_SCRIPT = `NL='
'
while IFS= read -r req; do
  ( eval "$req" ) &
  pid=$!
  wait "$pid"
  echo "$pid $?"
done
`;

/** Most helpers a worker keeps (qmail-queue runs at once); more requests wait for one. */
const MAX_HELPERS = 16;
/** Exit statuses of sh for "cannot run it" (not found, not executable). */
const SHELL_CANNOT_RUN = new Set([126, 127]);

export type HelperOutcome = { status: number; pid: number } | { signal: number; pid: number } | { failed: string };

export interface HelperRequest {
  program: string;
  cwd: string;
  env: Record<string, string>;
  /** Descriptors of this process, opened read-only at offset 0. */
  messageFd: number;
  envelopeFd: number;
}

/** A shell word for any text: single quotes, with newlines spliced in so the request stays one line. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`).replace(/\n/g, `'"$NL"'`)}'`;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The request line, or undefined when the environment cannot be said in sh (a variable name sh cannot export). */
export function requestLine(r: HelperRequest, pid: number): string | undefined {
  const exports: string[] = [];
  for (const [name, value] of Object.entries(r.env)) {
    if (!NAME.test(name)) return undefined;
    exports.push(shellQuote(`${name}=${value}`));
  }
  const set = exports.length > 0 ? `export ${exports.join(' ')} && ` : '';
  return `cd ${shellQuote(r.cwd)} && ${set}exec ${shellQuote(r.program)} 0<${shellQuote(`/proc/${pid}/fd/${r.messageFd}`)} 1<${shellQuote(`/proc/${pid}/fd/${r.envelopeFd}`)}`;
}

class Helper {
  readonly #child: ChildProcessByStdio<Writable, Readable, null>;
  #pending: ((outcome: HelperOutcome) => void) | undefined;
  #buffer = '';
  dead = false;

  constructor(onExit: (h: Helper) => void) {
    this.#child = spawn('/bin/sh', ['-c', HELPER_SCRIPT], { env: {}, stdio: ['pipe', 'pipe', 'inherit'] });
    this.#child.stdin.on('error', () => {});
    this.#child.stdout.setEncoding('latin1');
    this.#child.stdout.on('data', (text: string) => {
      this.#buffer += text;
      for (let nl = this.#buffer.indexOf('\n'); nl !== -1; nl = this.#buffer.indexOf('\n')) {
        const line = this.#buffer.slice(0, nl);
        this.#buffer = this.#buffer.slice(nl + 1);
        this.#answer(line);
      }
    });
    const die = (why: string) => {
      if (this.dead) return;
      this.dead = true;
      this.#settle({ failed: why });
      onExit(this);
    };
    this.#child.on('error', (e) => die(`the qmail-queue helper could not start: ${e.message}`));
    this.#child.on('exit', () => die('the qmail-queue helper died'));
    // The end of its output is the first sign (its exit may be reported later).
    this.#child.stdout.on('close', () => die('the qmail-queue helper died'));
    // An idle helper never keeps the process alive; one with a request does (see #hold).
    this.#child.unref();
    this.#hold(false);
    (this.#child.stdin as unknown as { unref?: () => void }).unref?.();
  }

  #hold(busy: boolean): void {
    const stdout = this.#child.stdout as unknown as { ref?: () => void; unref?: () => void };
    if (busy) stdout.ref?.();
    else stdout.unref?.();
  }

  /** Taken for a request (from the moment the pool hands it out until the answer). */
  taken = false;

  run(line: string): Promise<HelperOutcome> {
    return new Promise((resolve) => {
      this.#pending = (outcome) => {
        this.taken = false;
        resolve(outcome);
      };
      this.#hold(true);
      this.#child.stdin.write(`${line}\n`);
    });
  }

  #answer(line: string): void {
    const m = /^(\d+) (\d+)$/.exec(line);
    if (!m) return this.#settle({ failed: `the qmail-queue helper said "${line}"` });
    const [pid, status] = [Number(m[1]), Number(m[2])];
    if (status > 128) this.#settle({ signal: status - 128, pid });
    else if (SHELL_CANNOT_RUN.has(status)) this.#settle({ failed: `cannot run qmail-queue (sh status ${status})` });
    else this.#settle({ status, pid });
  }

  #settle(outcome: HelperOutcome): void {
    const pending = this.#pending;
    this.#pending = undefined;
    this.#hold(false);
    pending?.(outcome);
  }
}

export class QueueHelperPool {
  readonly #helpers: Helper[] = [];
  readonly #waiting: Array<() => void> = [];

  constructor(private readonly pid: number = process.pid) {}

  /** Runs qmail-queue for one message; undefined when this request cannot go through a helper (spawn directly then). */
  async run(request: HelperRequest): Promise<HelperOutcome | undefined> {
    const line = requestLine(request, this.pid);
    if (line === undefined) return undefined;
    const helper = await this.#idleHelper();
    try {
      return await helper.run(line);
    } finally {
      this.#waiting.shift()?.();
    }
  }

  /** A helper taken for one request (marked at once, so no other request gets it meanwhile). */
  async #idleHelper(): Promise<Helper> {
    for (;;) {
      let helper = this.#helpers.find((h) => !h.taken && !h.dead);
      if (!helper && this.#helpers.length < MAX_HELPERS) {
        helper = new Helper((dead) => {
          const at = this.#helpers.indexOf(dead);
          if (at !== -1) this.#helpers.splice(at, 1);
        });
        this.#helpers.push(helper);
      }
      if (helper) {
        helper.taken = true;
        return helper;
      }
      await new Promise<void>((r) => this.#waiting.push(r));
    }
  }
}

let shared: QueueHelperPool | undefined;

/** The process's pool, made on first use (only long-lived processes use it). */
export function sharedQueueHelpers(): QueueHelperPool {
  shared ??= new QueueHelperPool();
  return shared;
}
