/**
 * One connection, from its socket to its exit status: what tcpsvd's child
 * does (admission.ts: names, environment, rules, -C, the decision line),
 * then the chain in-process.
 *
 * The chain's first program gets `io` = the socket as stdin and stdout, the
 * listener's stderr, and `io.session` (core's ListenSession): runNext runs
 * the next program of the chain the same way (in-process, or spawned onto
 * the socket), the session id stands for the pid in every log line, and
 * windDown is the worker's wind-down signal.
 *
 * Whatever happens, the session ends exactly once, with a status for the
 * `end ID exit N` line: the chain's, 100 for a deny, 111 for a drop or a
 * program that died of a bug (crash(): logged as runMain logs it, an SMTP
 * client told 421, the socket closed). Nothing of one session is shared
 * with another: its environment is a fresh copy, its counters its own.
 */
import type { Socket } from 'node:net';
import { crashText, escapeLogText, ExecError, type Env, type Io, type ListenSession } from '@mailfront/core';
import { admit, type Admitted } from './admission.js';
import { EXIT_DROP, type Listener } from './listener.js';
import { PROGRAM } from './log.js';
import { spawnOnSocket } from './spawn-program.js';

/**
 * How long the last replies may take to leave once the chain is done: as
 * long as runMain gives them in exec mode, where the process then exits.
 */
export const FINAL_FLUSH_MS = 1_000;

export interface SessionResult {
  status: number;
  counters: Record<string, number>;
  /** Durations recorded by the programs (core's observeFor), by name. */
  observations: Record<string, number[]>;
}

/** Durations kept per name and session, so that one long session cannot grow its end message without bound. */
const OBSERVATIONS_MAX = 1000;

export class Session {
  readonly #counters = new Map<string, number>();
  readonly #observations = new Map<string, number[]>();
  /** The client and its RATELIMIT_* limits (after the rules), for the rate-limit questions of its programs. */
  #client: Admitted['client'] | undefined;
  /** The program running now, for a crash's log line. */
  #program = PROGRAM;
  #crashReply: string | undefined;
  #settle!: (status: number) => void;
  readonly #done: Promise<number>;
  #ended = false;
  /** Sessions from this client when it came, this one included (counted by the primary). */
  readonly #concurrency: number;

  constructor(
    readonly listener: Listener,
    readonly id: number,
    readonly socket: Socket,
    concurrency: number,
  ) {
    this.#concurrency = concurrency;
    this.#done = new Promise((resolve) => (this.#settle = resolve));
    // A reset must never be an unhandled 'error'.
    socket.on('error', () => {});
  }

  /** Runs the session; resolves once it is over and its socket closed. */
  async run(): Promise<SessionResult> {
    this.#start().then(
      (status) => this.#end(status),
      (e: unknown) => this.crash(e),
    );
    const status = await this.#done;
    return { status, counters: Object.fromEntries(this.#counters), observations: Object.fromEntries(this.#observations) };
  }

  /** A bug in the session (an exception from its code, or one thrown in its context): end it, and only it. */
  crash(e: unknown): void {
    if (this.#ended) return;
    this.listener.stderr.write(`${this.#program}[${this.id}]: Fatal: internal error: ${escapeLogText(crashText(e))}\n`);
    if (this.#crashReply && this.socket.writable) this.socket.write(this.#crashReply);
    this.#settled(EXIT_DROP);
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 1000).unref();
  }

  #settled(status: number): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#settle(status);
  }

  /**
   * The chain is done: once the last bytes are with the kernel (at most
   * FINAL_FLUSH_MS), the connection is closed, as an exiting process closes
   * it in exec mode; a client that does not close its side must not hold
   * the session (and its -c slot) open.
   */
  #end(status: number): void {
    if (this.#ended) return;
    const socket = this.socket;
    if (socket.destroyed) return this.#settled(status);
    const close = () => socket.destroy();
    const timer = setTimeout(close, FINAL_FLUSH_MS);
    timer.unref();
    socket.once('close', () => {
      clearTimeout(timer);
      this.#settled(status);
    });
    socket.once('finish', close);
    socket.end();
  }

  async #start(): Promise<number> {
    const admitted = await admit({ listener: this.listener, id: this.id, socket: this.socket, concurrency: this.#concurrency, count: (counter) => this.#count(counter) });
    if (typeof admitted === 'number') return admitted;
    this.#client = admitted.client;
    try {
      return await this.runNext(admitted.argv, admitted.env);
    } catch (e) {
      if (!(e instanceof ExecError)) throw e;
      this.listener.log.drop(`unable to run: ${admitted.argv[0]}: ${e.reason}`);
      return EXIT_DROP;
    }
  }

  #count(counter: string, amount = 1): void {
    this.#counters.set(counter, (this.#counters.get(counter) ?? 0) + amount);
  }

  /** The io the chain's programs get. */
  io(): Io {
    const session: ListenSession = {
      id: this.id,
      runNext: (argv, env) => this.runNext(argv, env),
      windDown: this.listener.windDown,
      count: (counter, amount = 1) => this.#count(counter, amount),
      observe: (name, seconds) => {
        const list = this.#observations.get(name) ?? [];
        if (list.length < OBSERVATIONS_MAX) list.push(seconds);
        this.#observations.set(name, list);
      },
      limit: (event) => {
        const client = this.#client;
        return client && this.listener.rateLimits ? this.listener.rateLimits.ask(event, client.ip, client.limits) : undefined;
      },
    };
    return { stdin: this.socket, stdout: this.socket, stderr: this.listener.stderr, session };
  }

  /** Runs argv onto this session's connection: in-process when it is ours, else spawned. */
  async runNext(argv: readonly string[], env: Env): Promise<number> {
    const [name, ...args] = argv;
    if (name === undefined) throw new ExecError('(nothing)', 'no program given');
    const resolved = this.listener.programs.resolve(name, env.PATH);
    if (resolved.kind === 'missing') throw new ExecError(name, 'file does not exist');
    if (resolved.kind === 'spawn') return spawnOnSocket(resolved.file, argv, env, this.socket);
    this.#program = resolved.program.name;
    this.#crashReply = resolved.program.crashReply;
    return resolved.program.main(args, env, this.io());
  }
}
