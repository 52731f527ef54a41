/**
 * The primary process: binds, drops its ids, starts the workers, and then
 * accepts every connection itself and hands each to a worker.
 *
 * Why the primary accepts (and not cluster's shared handle or
 * SO_REUSEPORT): -c and -C must hold across all workers, exactly, and the
 * session ids must be unique across them; one process that sees every
 * connection gets both without a round trip per connection. It is what
 * cluster's round-robin mode does internally (accept in the primary, send
 * the handle to a worker), so it costs the same; unlike reusePort it works
 * on every supported Node and no connection waits in a worker's own accept
 * queue, where it would be reset if that worker died.
 *
 * The socket is accepted paused (never read here) and sent to the worker as
 * its raw handle; the worker wraps it unread (worker.ts), so an external
 * program spawned onto it sees every byte the client sent. Our copy is
 * closed once sent.
 *
 * With --metrics the endpoint is bound first (before the listening port
 * and the drop of ids, so a privileged port works too), the listener runs
 * with the metric set on its events, and the endpoint closes when it is
 * done.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { envDuration, type Env, type Io } from '@mailfront/core';
import { MetricSet } from '@mailfront/metrics';
import { AddressError, bindAddress, EXIT_UNKNOWN, portNumber, unmapped } from './address.js';
import { noHooks, type Arrival, type ListenerHooks } from './events.js';
import { ConnectionTable } from './limits.js';
import { createListenerLog, logField, type ListenerLog } from './log.js';
import { metricsHooks, serveMetrics } from './metrics.js';
import type { ListenerOptions } from './options.js';
import type { ProcessPort } from './process-port.js';
import { DropError, dropPrivileges, resolveIds, UnknownUserError, type Ids } from './privileges.js';
import { ProgramTable } from './programs.js';
import { PrimaryRateLimits } from './rate-limits.js';
import { EXIT_DROP } from './listener.js';
import { installStopAndReload } from './signals.js';
import { sessionBaseEnv } from './worker.js';
import { WorkerPool } from './workers.js';

/** Bind failures and the like, as tcpsvd. */
const EXIT_FATAL = 111;
/** DRAIN_TIMEOUT's default: below runit's 7 s of patience in `sv stop`. */
const DEFAULT_DRAIN_MS = 5000;

interface Running {
  remoteIp: string;
  startedAt: number;
}

function listen(server: Server, host: string, port: number, backlog: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port, backlog, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Exit status and log line for what must be known before binding: -u, the port, the host. */
async function resolveOperands(options: ListenerOptions, log: ListenerLog): Promise<{ ids: Ids | undefined; port: number; address: string } | number> {
  try {
    const ids = options.user === undefined ? undefined : resolveIds(options.user);
    const port = portNumber(options.port);
    const address = await bindAddress(options.host);
    return { ids, port, address };
  } catch (e) {
    if (!(e instanceof UnknownUserError || e instanceof AddressError)) throw e;
    log.fatal(e.message);
    return EXIT_UNKNOWN;
  }
}

export async function runPrimary(
  options: ListenerOptions,
  argv: readonly string[],
  env: Env,
  io: Io,
  port: ProcessPort,
  hooks: ListenerHooks = noHooks(),
): Promise<number> {
  const log = createListenerLog(options.verbose, io.stdout, io.stderr);
  if (!options.metrics) return listenAndServe(options, argv, env, io, port, hooks, log);
  const set = new MetricSet();
  let server;
  try {
    server = await serveMetrics(set, options.metrics, (text) => log.warn(text));
  } catch (e) {
    log.fatal(`unable to bind the metrics socket: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    return EXIT_FATAL;
  }
  log.info(`metrics on http://${options.metrics.host.includes(':') ? `[${options.metrics.host}]` : options.metrics.host}:${server.address.port}/metrics`);
  try {
    return await listenAndServe(options, argv, env, io, port, metricsHooks(set, hooks), log);
  } finally {
    await server.close();
  }
}

/** runPrimary once the metrics endpoint (if any) is up. */
async function listenAndServe(options: ListenerOptions, argv: readonly string[], env: Env, io: Io, port: ProcessPort, hooks: ListenerHooks, log: ListenerLog): Promise<number> {
  let drainMs: number;
  try {
    drainMs = envDuration(env, 'DRAIN_TIMEOUT', DEFAULT_DRAIN_MS, { min: 0, max: 86_400_000 });
  } catch (e) {
    log.fatal((e as Error).message);
    return EXIT_FATAL;
  }
  const operands = await resolveOperands(options, log);
  if (typeof operands === 'number') return operands;

  const server = createServer({ pauseOnConnect: true, allowHalfOpen: true });
  try {
    await listen(server, operands.address, operands.port, options.backlog);
  } catch (e) {
    log.fatal(`unable to bind socket: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    return EXIT_FATAL;
  }
  if (operands.ids) {
    try {
      dropPrivileges(operands.ids, port.ids);
    } catch (e) {
      if (!(e instanceof DropError)) throw e;
      log.fatal(e.message);
      server.close();
      return EXIT_FATAL;
    }
  }
  const who = operands.ids ? `, uid ${operands.ids.uid}, gid ${operands.ids.gids[0]}` : '';
  log.info(`listening on ${logField(operands.address)}:${logField(options.port)}${who}, starting.`);
  const chain = new ProgramTable().describe(options.program, sessionBaseEnv(env).PATH);
  log.info(`chain: ${chain.join(', ')}; ${options.workers} worker${options.workers === 1 ? '' : 's'}`);

  const table = new ConnectionTable(options.concurrency, Math.max(1, options.backlog));
  const running = new Map<number, Running>();
  let nextId = 1;
  let stopping = false;

  const status = () => log.info(`status ${table.live}/${options.concurrency}`);

  const rateLimits = new PrimaryRateLimits({ log: (line) => log.warn(line), now: hooks.clock });

  const finish = (id: number, exit: number, counters: Record<string, number>, observations: Record<string, number[]> = {}) => {
    const session = running.get(id);
    if (!session) return;
    running.delete(id);
    table.end(session.remoteIp);
    log.info(`end ${id} exit ${exit}`);
    status();
    for (const hook of hooks.sessionEnd) hook({ id, remoteIp: session.remoteIp, status: exit, counters, observations, durationMs: Date.now() - session.startedAt });
    for (let next = table.nextHeld(); next; next = table.nextHeld()) begin(next.socket, next.remoteIp);
    if (stopping) pool.releaseIdle();
  };

  const pool = new WorkerPool(
    { script: port.script, execArgv: port.execArgv, argv, env, output: port.sharedOutput ? undefined : { stdout: io.stdout, stderr: io.stderr } },
    {
      message: (m, reply) => {
        if (m.t === 'end') return finish(m.id, m.status, m.counters, m.observations);
        if (m.t === 'limit') return reply(rateLimits.answer(m));
        const session = running.get(m.id);
        if (!session) return;
        const concurrency = table.move(session.remoteIp, m.ip);
        session.remoteIp = m.ip;
        reply({ t: 'concurrency', id: m.id, concurrency });
      },
      died: (pid, how, sessions) => {
        if (!stopping || how !== 'status 0') log.warn(`worker ${pid ?? '?'} ended (${how})${sessions.length > 0 ? ` with ${sessions.length} sessions` : ''}`);
        for (const id of sessions) finish(id, EXIT_DROP, {});
      },
    },
  );

  const begin = (socket: Socket, remoteIp: string) => {
    const id = nextId++;
    const concurrency = table.begin(remoteIp);
    running.set(id, { remoteIp, startedAt: Date.now() });
    status();
    const arrival = arrivalOf(socket);
    for (const hook of hooks.sessionStart) hook({ ...arrival, id, concurrency });
    const handle = (socket as unknown as { _handle: unknown })._handle;
    const dispatched = pool.dispatch({ t: 'session', id, concurrency }, handle, (sent) => {
      socket.destroy();
      if (!sent) finish(id, EXIT_DROP, {});
    });
    if (!dispatched) {
      log.drop(`no worker to run session ${id} from ${remoteIp}`);
      socket.destroy();
      finish(id, EXIT_DROP, {});
    }
  };

  server.on('connection', (socket: Socket) => {
    socket.on('error', () => {});
    if (stopping) {
      socket.destroy();
      return;
    }
    const arrival = arrivalOf(socket);
    for (const check of hooks.admission) {
      const refusal = check(arrival);
      if (refusal) {
        if (refusal.message.length > 0) socket.end(refusal.message);
        else socket.destroy();
        return;
      }
    }
    if (table.hasRoom()) begin(socket, arrival.remoteIp);
    else if (!table.hold({ socket, remoteIp: arrival.remoteIp })) {
      socket.destroy();
      for (const hook of hooks.dropped) hook(arrival, 'limit');
    }
  });
  pool.start(options.workers);

  return installStopAndReload(port, log, {
    sessions: () => table.live,
    stop: () => {
      stopping = true;
      server.close();
      table.dropHeld();
      pool.broadcast({ t: 'wind-down' });
      pool.stop();
    },
    recheck: () => pool.broadcast({ t: 'recheck' }),
    exited: () => pool.exited(),
    kill: () => pool.kill(),
    drainMs,
  });
}

function arrivalOf(socket: Socket): Arrival {
  return {
    remoteIp: unmapped(socket.remoteAddress),
    remotePort: socket.remotePort ?? 0,
    localIp: unmapped(socket.localAddress),
    localPort: socket.localPort ?? 0,
  };
}
