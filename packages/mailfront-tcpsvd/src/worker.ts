/**
 * A worker: runs the sessions the primary hands it, each in its own
 * isolation scope, and reports each end. It never listens, binds or
 * changes ids (it was started after the primary dropped them).
 *
 * Stopping: on `wind-down` (the primary's SIGTERM), or when the primary
 * goes away, every session is told (ListenSession.windDown) and the worker
 * exits once the last one is over. The primary kills it if that takes
 * longer than the drain limit.
 */
import { Socket } from 'node:net';
import { recheckCaches, type Env, type Io } from '@mailfront/core';
import { dnsLookups } from './dns.js';
import { isToWorker, WORKER_MARK, type ToPrimary } from './ipc.js';
import { installCrashHandlers, sessionScope } from './isolation.js';
import { createListenerLog } from './log.js';
import type { ListenerOptions } from './options.js';
import type { ProcessPort } from './process-port.js';
import { ProgramTable } from './programs.js';
import { WorkerRateLimits } from './rate-limits.js';
import { CdbRules, DirectoryRules, type RulesSource } from './rules-source.js';
import type { Listener } from './listener.js';
import { Session } from './session.js';

/** The environment sessions start from: the listener's, without what only the listener uses. */
export function sessionBaseEnv(env: Env): Env {
  const base: Record<string, string | undefined> = { ...env };
  delete base[WORKER_MARK];
  return base;
}

export function rulesSource(options: ListenerOptions): RulesSource | undefined {
  if (!options.rules) return undefined;
  return options.rules.kind === 'cdb' ? new CdbRules(options.rules.path) : new DirectoryRules(options.rules.path, options.expireSeconds);
}

/**
 * A socket for a handle the primary sent: not reading yet (pauseOnCreate),
 * so that a program spawned onto it gets every byte the client sent, and
 * half-open allowed (a client that shuts its sending side still gets its
 * replies). `handle` and `pauseOnCreate` are the options net.Server itself
 * uses for accepted connections; the listener tests check that they keep
 * working.
 */
function socketFor(handle: unknown): Socket {
  const options = { handle, readable: true, writable: true, allowHalfOpen: true, pauseOnCreate: true };
  return new Socket(options as ConstructorParameters<typeof Socket>[0]);
}

export function runWorker(options: ListenerOptions, env: Env, io: Io, port: ProcessPort): Promise<number> {
  const log = createListenerLog(options.verbose, io.stdout, io.stderr);
  const stop = new AbortController();
  const programs = new ProgramTable();
  const rules = rulesSource(options);
  const rateLimits = new WorkerRateLimits((request) => port.send(request));
  const listener: Listener = {
    options,
    baseEnv: sessionBaseEnv(env),
    rules,
    lookups: dnsLookups(env.DNSCACHEIP),
    programs,
    log,
    stderr: io.stderr,
    windDown: stop.signal,
    rateLimits,
  };
  const live = new Set<Session>();
  /** --proxy-from: sessions waiting for the primary's count of their client. */
  const moving = new Map<number, (concurrency: number) => void>();
  listener.moveClient = (id, ip) =>
    new Promise((resolve) => {
      moving.set(id, resolve);
      port.send({ t: 'client', id, ip });
    });
  return new Promise((resolve) => {
    installCrashHandlers(port, log, resolve);
    const finishIfIdle = () => {
      if (stop.signal.aborted && live.size === 0) resolve(0);
    };
    const windDown = () => {
      stop.abort();
      finishIfIdle();
    };
    const start = (id: number, concurrency: number, handle: unknown) => {
      const socket = socketFor(handle);
      const session = new Session(listener, id, socket, concurrency);
      live.add(session);
      void sessionScope.run(session, () => session.run()).then(({ status, counters, observations }) => {
        live.delete(session);
        const end: ToPrimary = { t: 'end', id, status, counters, observations };
        port.send(end);
        finishIfIdle();
      });
    };
    port.onMessage((message, handle) => {
      if (!isToWorker(message)) return;
      if (message.t === 'session') start(message.id, message.concurrency, handle);
      else if (message.t === 'wind-down') windDown();
      else if (message.t === 'verdict') rateLimits.verdict(message);
      else if (message.t === 'concurrency') {
        moving.get(message.id)?.(message.concurrency);
        moving.delete(message.id);
      }
      else if (message.t === 'recheck') {
        programs.forget();
        rules?.forget();
        recheckCaches();
      }
    });
    port.onDisconnect(() => {
      rateLimits.release();
      windDown();
    });
    // The primary coordinates stopping; a signal sent to the whole group (Ctrl-C) winds this worker down too.
    port.onSignal('SIGTERM', windDown);
    port.onSignal('SIGINT', windDown);
    port.onSignal('SIGHUP', () => {});
  });
}
