/**
 * One run of qmail-queue: the message on its fd 0, then the envelope
 * (`Fsender\0Trcpt\0…\0`) on its fd 1, then its exit status (reference
 * ucspi-qmail §4.4). Closing fd 1 without the final NUL aborts the run:
 * qmail-queue then queues nothing, which is how a refused or dropped message
 * is withdrawn.
 *
 * Node's stdio pipes are socket pairs, so the parent can write into the
 * child's fd 1 through `child.stdout`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Writable } from 'node:stream';

export type QueueOutcome = { status: number } | { signal: NodeJS.Signals } | { spawnError: Error };

export interface QueueStart {
  program: string;
  cwd: string;
  env: Record<string, string>;
  /** A file descriptor at offset 0 holding the whole message, or 'pipe' to stream it. */
  message: number | 'pipe';
}

/** Status that mailfront's child uses when exec fails; qmail's callers map it the same way. */
export const EXEC_FAILED_STATUS = 120;

export class QmailQueueRun {
  readonly #child: ChildProcess;
  readonly #outcome: Promise<QueueOutcome>;
  #writeError: Error | undefined;

  constructor(start: QueueStart) {
    this.#child = spawn(start.program, [], {
      cwd: start.cwd,
      env: start.env,
      stdio: [start.message, 'pipe', 'inherit'],
    });
    this.#outcome = new Promise((resolve) => {
      this.#child.once('error', (e) => resolve({ spawnError: e }));
      this.#child.once('exit', (code, signal) => resolve(signal ? { signal } : { status: code ?? EXEC_FAILED_STATUS }));
    });
    // qmail-queue may exit before reading everything; EPIPE is then expected.
    for (const stream of [this.#child.stdin, this.#child.stdout]) {
      stream?.on('error', (e: Error) => (this.#writeError ??= e));
    }
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  get writeError(): Error | undefined {
    return this.#writeError;
  }

  /** Streams a block of the message, waiting while the pipe is full. */
  async write(block: Buffer): Promise<void> {
    const stdin = this.#child.stdin;
    if (!stdin || this.#writeError || stdin.destroyed) return;
    if (!stdin.write(block)) await drainOrFail(stdin);
  }

  /** Ends the message, sends the envelope and waits for qmail-queue to exit. */
  async finish(envelope: Buffer): Promise<QueueOutcome> {
    this.#child.stdin?.end();
    this.#envelopeSide()?.end(envelope);
    return this.#outcome;
  }

  /** The child's fd 1 seen from our side: a socket pair, so we can write to it. */
  #envelopeSide(): Writable | undefined {
    return this.#child.stdout as unknown as Writable | undefined;
  }

  /** Withdraws the message: both pipes close, the envelope never ends. */
  abort(): void {
    this.#child.stdin?.destroy();
    this.#child.stdout?.destroy();
  }
}

function drainOrFail(stream: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('error', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('error', done);
    stream.on('close', done);
  });
}
