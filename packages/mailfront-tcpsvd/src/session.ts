/**
 * One connection, from its socket to its exit status: what tcpsvd's child
 * does (reference modern-mx §1.1), then the chain in-process.
 *
 *   pid line → PROXY header (--proxy-from) → client name (-h/-p) →
 *   local name (-l or DNS) → TCP*
 *   environment → rules → per-client limit (-C) → decision line →
 *   deny (close), exec (/bin/sh -c), or the chain
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
import type { Writable } from 'node:stream';
import { escapeLogText, ExecError, formatSmtpReply, ProxyHeaderError, readProxyHeader, type Env, type Io, type ListenSession } from '@mailfront/core';
import type { RateLimits } from '@mailfront/ratelimit';
import { unmapped } from './address.js';
import { remoteName, type Lookups } from './dns.js';
import { logAddress, logField, logInstructions, PROGRAM, type ListenerLog } from './log.js';
import type { ListenerOptions } from './options.js';
import type { Resolved } from './programs.js';
import { decide, type RuleDecision, type SessionEnv } from './rules.js';
import { RuleCheckError, RulesUnreadable, type RulesSource } from './rules-source.js';
import { sessionLimits, type WorkerRateLimits } from './rate-limits.js';
import { spawnOnSocket } from './spawn-program.js';

export const EXIT_DENY = 100;
/** Counters of a session the listener refused itself (for the connections metric): over -C, over a rate limit. */
export const OVER_PER_HOST_LIMIT = 'listener_per_host_limit';
export const RATE_LIMITED = 'listener_rate_limited';
export const EXIT_DROP = 111;
/** --proxy-from: time for the whole PROXY header (the specification asks for at least 3 s; Postfix waits 5). */
export const PROXY_TIMEOUT_MS = 5000;
/**
 * How long the last replies may take to leave once the chain is done: as
 * long as runMain gives them in exec mode, where the process then exits.
 */
export const FINAL_FLUSH_MS = 1_000;

/** What every session of a worker shares (read-only). */
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
  #client: { ip: string; limits: RateLimits } | undefined;
  /** The program running now, for a crash's log line. */
  #program = PROGRAM;
  #crashReply: string | undefined;
  #settle!: (status: number) => void;
  readonly #done: Promise<number>;
  #ended = false;
  /** Sessions from this client now, this one included (counted by the primary; moved after a PROXY header). */
  #concurrency: number;

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
    const detail = e instanceof Error ? (e.stack ?? e.message) : String(e);
    this.listener.stderr.write(`${this.#program}[${this.id}]: Fatal: internal error: ${escapeLogText(detail.replace(/\n/g, ' | '))}\n`);
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
    const { options, log } = this.listener;
    let remoteIp = unmapped(this.socket.remoteAddress);
    let remotePort = String(this.socket.remotePort ?? '');
    let localIp = unmapped(this.socket.localAddress);
    let localPort = String(this.socket.localPort ?? '');
    log.info(`pid ${this.id} from ${logAddress(remoteIp)}`);
    if (options.proxyFrom) {
      const client = await this.#proxyHeader(remoteIp);
      if (typeof client === 'number') return client;
      ({ remoteIp, remotePort, localIp, localPort } = client);
    }

    let remoteHost = '';
    if (options.lookupRemote) {
      try {
        remoteHost = await remoteName(this.listener.lookups, remoteIp, options.paranoid);
      } catch (e) {
        log.warn(`unable to look up hostname: ${remoteIp}: ${reason(e)}`);
      }
    }
    let localHost = options.localName;
    if (localHost === undefined) {
      try {
        localHost = (await this.listener.lookups.name(localIp)) ?? '';
      } catch (e) {
        log.drop(`unable to look up local hostname: ${reason(e)}`);
        return EXIT_DROP;
      }
    }

    const env: SessionEnv = { ...this.listener.baseEnv };
    if (!options.noEnv) {
      const set = (name: string, value: string) => {
        if (value === '') delete env[name];
        else env[name] = value;
      };
      set('PROTO', 'TCP');
      set('TCPLOCALIP', localIp);
      set('TCPLOCALPORT', localPort);
      set('TCPLOCALHOST', localHost);
      set('TCPREMOTEIP', remoteIp);
      set('TCPREMOTEPORT', remotePort);
      set('TCPREMOTEHOST', remoteHost);
      delete env.TCPREMOTEINFO;
      if (options.perHost) env.TCPCONCURRENCY = String(this.#concurrency);
    }

    let decision: RuleDecision = { action: 'default', match: '', text: '', perHost: options.perHost };
    if (this.listener.rules) {
      try {
        decision = await decide(remoteIp, remoteHost, env, options.perHost, {
          source: this.listener.rules,
          lookups: this.listener.lookups,
          warn: (text) => log.warn(text),
        });
      } catch (e) {
        if (e instanceof RulesUnreadable) log.drop(`unable to read: ${this.listener.rules.path}: ${e.reason}`);
        else if (e instanceof RuleCheckError) log.drop(`unable to check inst: ${remoteIp}: ${e.message}`);
        else throw e;
        return EXIT_DROP;
      }
    }

    let action = decision.action;
    const limit = decision.perHost;
    if (limit && limit.limit > 0) {
      if (this.#concurrency > limit.limit) {
        action = 'deny';
        this.#count(OVER_PER_HOST_LIMIT);
        // Best effort, as tcpsvd: one non-blocking write before the close.
        if (limit.message.length > 0) this.socket.write(limit.message);
      }
      log.info(`concurrency ${this.id} ${logAddress(remoteIp)} ${this.#concurrency}/${limit.limit}`);
    }
    log.info(this.#decisionLine(action, decision, { localHost, localIp, remoteHost, remoteIp, remotePort }));

    if (action === 'deny') {
      if (this.socket.writableLength > 0) this.socket.end();
      else this.socket.destroy();
      return EXIT_DENY;
    }
    this.#client = { ip: remoteIp, limits: sessionLimits(env, (line) => log.warn(line)) };
    const limited = await this.listener.rateLimits?.ask('connection', remoteIp, this.#client.limits);
    if (limited) {
      this.#count(RATE_LIMITED);
      this.socket.end(formatSmtpReply(limited));
      return EXIT_DENY;
    }
    const argv = action === 'exec' ? ['/bin/sh', '-c', decision.text] : this.listener.options.program;
    try {
      return await this.runNext(argv, env);
    } catch (e) {
      if (!(e instanceof ExecError)) throw e;
      log.drop(`unable to run: ${argv[0]}: ${e.reason}`);
      return EXIT_DROP;
    }
  }

  /**
   * --proxy-from: the client and the address it reached, from the PROXY
   * header the front end sends first; everything after it (the rules, -C,
   * the chain's TCP* variables) is about that client. From a peer not in the
   * list, or without a valid header in time, the connection is closed: deny.
   */
  async #proxyHeader(peer: string): Promise<{ remoteIp: string; remotePort: string; localIp: string; localPort: string } | number> {
    const { options, log } = this.listener;
    const refuse = (why: string) => {
      log.warn(`proxy ${this.id}: refused ${peer}: ${why}`);
      this.socket.destroy();
      return EXIT_DENY;
    };
    if (!options.proxyFrom!.allows(peer)) return refuse('not in --proxy-from');
    let header;
    try {
      header = await readProxyHeader(this.socket, { timeoutMs: PROXY_TIMEOUT_MS });
    } catch (e) {
      if (!(e instanceof ProxyHeaderError)) throw e;
      return refuse(e.message);
    }
    const real = { remoteIp: peer, remotePort: String(this.socket.remotePort ?? ''), localIp: unmapped(this.socket.localAddress), localPort: String(this.socket.localPort ?? '') };
    if (header.command === 'local') {
      log.info(`proxy ${this.id} ${logAddress(peer)}: LOCAL, addresses unchanged`);
      return real;
    }
    const client = { remoteIp: header.source.address, remotePort: String(header.source.port), localIp: header.destination.address, localPort: String(header.destination.port) };
    log.info(`proxy ${this.id} ${logAddress(peer)}: client ${logAddress(client.remoteIp)}:${client.remotePort} to ${logAddress(client.localIp)}:${client.localPort}`);
    if (client.remoteIp !== peer && this.listener.moveClient) this.#concurrency = await this.listener.moveClient(this.id, client.remoteIp);
    return client;
  }

  #decisionLine(action: string, d: RuleDecision, a: { localHost: string; localIp: string; remoteHost: string; remoteIp: string; remotePort: string }): string {
    const word = action === 'deny' ? 'deny' : action === 'exec' ? 'exec' : 'start';
    let line = `${word} ${this.id} ${logField(a.localHost)}:${logAddress(a.localIp)} :${logField(a.remoteHost)}:${logAddress(a.remoteIp)}:${logField(a.remotePort)}`;
    const rules = this.listener.rules;
    if (rules) {
      line += ` ${rules.logPrefix}${logField(rules.matchName(d.match))}`;
      if (d.text !== '' && this.listener.log.verbose > 1) line += `: ${logInstructions(d.text)}`;
    }
    return line;
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

function reason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  return code ?? (e as Error).message ?? String(e);
}
