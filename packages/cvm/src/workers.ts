/**
 * Several processes serving one `cvm-local:` socket or `cvm-udp:` port
 * (`--workers N`).
 *
 * The primary binds the socket or port exactly as a single server does,
 * then starts N-1 more processes of the same program and hands each the
 * bound handle over an IPC channel; every process, the primary included,
 * then takes connections (or datagrams) from it, and the kernel gives each
 * to one of them. They share nothing else, so a lookup costs what it costs
 * in one process, and N processes use N CPUs (the C modules answer one
 * request at a time). A worker is this program again, started with
 * CVM_WORKER_OF set; it waits for the handle, serves until the primary
 * tells it to stop or goes away, and never touches the socket's path.
 *
 * A worker that dies is started again a second later (the primary logs
 * it); at SIGTERM the primary stops its workers, waits for them (at most
 * STOP_LIMIT_MS), then removes the socket as a single server does.
 */
import type { Socket as DgramSocket } from 'node:dgram';
import type { Server } from 'node:net';
import type { Env, Logger } from '@mailfront/core';

/** Set in a worker's environment: the primary's pid. */
export const WORKER_ENV = 'CVM_WORKER_OF';
/** The most workers a server may start (more would only share the same CPUs). */
export const MAX_WORKERS = 64;
const RESTART_DELAY_MS = 1000;
const STOP_LIMIT_MS = 5000;

export type SharedHandle = { kind: 'local'; server: Server } | { kind: 'udp'; socket: DgramSocket };

/** A worker process as the primary sees it. */
export interface WorkerProcess {
  readonly pid: number | undefined;
  /** Sends the bound handle; the worker serves from then on. */
  share(handle: SharedHandle): void;
  /** Asks it to finish and exit. */
  stop(): void;
  /** Resolves with its exit status (or the signal's name) once it has exited. */
  readonly exited: Promise<number | string>;
}

/** What the worker machinery needs from the process (bin.ts builds the real one; tests pass stand-ins). */
export interface WorkerPort {
  /** Primary: starts this program again as a worker, with `env` (WORKER_ENV added by the caller). */
  start(env: Env): WorkerProcess;
  /** Worker: the handle the primary sends. */
  receive(): Promise<SharedHandle>;
  /** Worker: the primary asked it to stop, or went away. */
  onStop(handler: () => void): void;
  /**
   * A server's process: when V8's young generation is not yet sized for a
   * server, starts this program again in place (execve, same pid) with
   * SERVER_V8_FLAGS, and never resolves; otherwise resolves at once.
   */
  tuneHeap(env: Env): Promise<void>;
}

/**
 * V8 options a module server runs with. A lookup allocates only objects
 * that die young; a 1 MB nursery (the default grows to 16 MB) stays in the
 * CPU's cache: about a third less CPU a lookup and 40 MB less resident.
 */
export const SERVER_V8_FLAGS = ['--max-semi-space-size=1'];

/** The primary's workers: started, restarted when they die, stopped together. */
export class WorkerPool {
  #workers = new Set<WorkerProcess>();
  #stopping = false;
  #restarts = new Set<NodeJS.Timeout>();

  constructor(
    private readonly port: WorkerPort,
    private readonly env: Env,
    private readonly handle: SharedHandle,
    private readonly log: Logger,
  ) {}

  start(count: number): void {
    for (let i = 0; i < count; i++) this.#startOne();
  }

  #startOne(): void {
    const worker = this.port.start({ ...this.env, [WORKER_ENV]: String(process.pid) });
    this.#workers.add(worker);
    worker.share(this.handle);
    void worker.exited.then((status) => {
      this.#workers.delete(worker);
      if (this.#stopping) return;
      this.log.warn(`worker ${worker.pid ?? '?'} exited (${status}); starting another`);
      const timer = setTimeout(() => {
        this.#restarts.delete(timer);
        if (!this.#stopping) this.#startOne();
      }, RESTART_DELAY_MS);
      this.#restarts.add(timer);
    });
  }

  get size(): number {
    return this.#workers.size;
  }

  /** Stops every worker and waits for them, at most STOP_LIMIT_MS. */
  async stop(): Promise<void> {
    this.#stopping = true;
    for (const timer of this.#restarts) clearTimeout(timer);
    const all = [...this.#workers];
    for (const worker of all) worker.stop();
    await Promise.race([Promise.all(all.map((w) => w.exited)), new Promise((resolve) => setTimeout(resolve, STOP_LIMIT_MS).unref())]);
  }
}

/** `--workers N`: a whole number from 1 to MAX_WORKERS, or undefined when not a valid count. */
export function parseWorkerCount(text: string | undefined): number | undefined {
  if (text === undefined) return 1;
  if (!/^[0-9]{1,3}$/.test(text)) return undefined;
  const n = Number(text);
  return n >= 1 && n <= MAX_WORKERS ? n : undefined;
}
