/**
 * The worker processes (-w): started with child_process.fork after the
 * primary has bound the port and dropped its ids, so they never have any
 * privilege. Each new session goes to the worker with the fewest sessions.
 * A worker that dies is replaced (at most one start a second, so a worker
 * that cannot start does not make the primary spin); the sessions it had
 * are over, and the primary logs their end with status 111. Sessions on
 * the other workers go on.
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { Writable } from 'node:stream';
import type { Env } from '@mailfront/core';
import { isToPrimary, WORKER_MARK, type ToPrimary, type ToWorker } from './ipc.js';

/** A worker that dies this soon after its start is restarted only after the same pause. */
const RESTART_PAUSE_MS = 1000;

export interface WorkerSpec {
  script: string;
  execArgv: readonly string[];
  argv: readonly string[];
  env: Env;
  /** Where the workers' stdout and stderr go when they are not our own fds 1 and 2. */
  output?: { stdout: Writable; stderr: Writable } | undefined;
}

export interface PoolEvents {
  /** A message from a worker (a session's end, a rate-limit question, a PROXY header's client); `reply` answers that worker. */
  message(message: ToPrimary, reply: (answer: ToWorker) => void): void;
  /** A worker died; `sessions` are the ids it was running. */
  died(pid: number | undefined, how: string, sessions: number[]): void;
}

interface Worker {
  child: ChildProcess;
  sessions: Set<number>;
  startedAt: number;
}

export class WorkerPool {
  readonly #workers: Worker[] = [];
  #stopping = false;

  constructor(
    private readonly spec: WorkerSpec,
    private readonly events: PoolEvents,
    private readonly now: () => number = Date.now,
  ) {}

  start(count: number): void {
    for (let i = 0; i < count; i++) this.#fork();
  }

  get size(): number {
    return this.#workers.length;
  }

  get pids(): number[] {
    return this.#workers.map((w) => w.child.pid ?? 0);
  }

  #fork(): void {
    const child = fork(this.spec.script, [...this.spec.argv], {
      env: { ...this.spec.env, [WORKER_MARK]: '1' },
      execArgv: [...this.spec.execArgv],
      stdio: ['ignore', this.spec.output ? 'pipe' : 'inherit', this.spec.output ? 'pipe' : 'inherit', 'ipc'],
      serialization: 'json',
    });
    if (this.spec.output) {
      child.stdout?.pipe(this.spec.output.stdout, { end: false });
      child.stderr?.pipe(this.spec.output.stderr, { end: false });
    }
    const worker: Worker = { child, sessions: new Set(), startedAt: this.now() };
    this.#workers.push(worker);
    child.on('message', (message: unknown) => {
      if (!isToPrimary(message)) return;
      if (message.t === 'end') worker.sessions.delete(message.id);
      this.events.message(message, (answer) => {
        if (child.connected) child.send(answer);
      });
    });
    // A send to a worker that is going away fails; its exit handles the rest.
    child.on('error', () => {});
    child.on('exit', (code, signal) => {
      const at = this.#workers.indexOf(worker);
      if (at !== -1) this.#workers.splice(at, 1);
      const sessions = [...worker.sessions];
      worker.sessions.clear();
      this.events.died(child.pid, signal ? `signal ${signal}` : `status ${code}`, sessions);
      if (this.#stopping) return;
      const pause = Math.max(0, worker.startedAt + RESTART_PAUSE_MS - this.now());
      setTimeout(() => {
        if (!this.#stopping) this.#fork();
      }, pause).unref();
    });
  }

  /** Hands a session's socket handle to the least busy worker; false when none can take it. */
  dispatch(message: Extract<ToWorker, { t: 'session' }>, handle: unknown, sent: (ok: boolean) => void): boolean {
    const live = this.#workers.filter((w) => w.child.connected);
    if (live.length === 0) return false;
    const worker = live.reduce((a, b) => (b.sessions.size < a.sessions.size ? b : a));
    worker.sessions.add(message.id);
    worker.child.send(message, handle as never, (error) => {
      if (error) worker.sessions.delete(message.id);
      sent(!error);
    });
    return true;
  }

  /** Sends a message to every worker. */
  broadcast(message: ToWorker): void {
    for (const w of this.#workers) if (w.child.connected) w.child.send(message);
  }

  /** No more restarts; workers with no session left are told to go (their IPC channel closes). */
  stop(): void {
    this.#stopping = true;
    this.releaseIdle();
  }

  /** A worker finished its last session while stopping: let it go. */
  releaseIdle(): void {
    if (!this.#stopping) return;
    for (const w of this.#workers) if (w.sessions.size === 0 && w.child.connected) w.child.disconnect();
  }

  /** Resolves when every worker has exited. */
  exited(): Promise<void> {
    return Promise.all(this.#workers.map((w) => (w.child.exitCode !== null || w.child.signalCode !== null ? undefined : new Promise<void>((r) => w.child.once('exit', () => r()))))).then(() => undefined);
  }

  /** The drain limit passed: end the workers now. */
  kill(): void {
    for (const w of this.#workers) w.child.kill('SIGKILL');
  }
}
