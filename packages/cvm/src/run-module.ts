/**
 * The main of a module binary (cvm's module_main): the argument chooses the
 * transport.
 *
 *   MODULE                        one request on stdin, the answer on stdout
 *   MODULE cvm-local:/path        a UNIX socket server
 *   MODULE cvm-udp:HOST:PORT      a UDP server
 *
 * A server may run in several processes (workers.ts): the binary's
 * `--workers N` becomes `workers`, and a process started as a worker
 * (CVM_WORKER_OF in its environment) serves what its primary shares.
 *
 * Servers print `Starting.` once ready and `Stopping.` at SIGTERM/SIGINT,
 * and log one line per request; here on stderr as `program[pid]: …` (cvm
 * writes them bare on stdout).
 */
import { lookup } from 'node:dns/promises';
import { ConfigError, createLogger, envInteger, LogStream, type Env, type Io, type Logger, type OptionSpec, type ParsedCli } from '@mailfront/core';
import { CvmCode } from './constants.js';
import type { CvmModule, ModuleConfig } from './module.js';
import { serveCommand } from './module-command.js';
import { serveLocal, serveLocalWorker, SocketInUseError, type SocketSettings } from './module-local.js';
import { serveUdp, serveUdpWorker } from './module-udp.js';
import { resolveGroup, resolveUser } from './system-ids.js';
import { MAX_WORKERS, parseWorkerCount, WORKER_ENV, WorkerPool, type SharedHandle, type WorkerPort } from './workers.js';

export interface RunModuleOptions {
  /** The program name for messages and log lines. */
  program: string;
  /** Stops a server (tests); SIGTERM and SIGINT do it too unless handleSignals is false. */
  stopSignal?: AbortSignal;
  handleSignals?: boolean;
  /** Processes serving the socket or port, this one included (`--workers N`); 1 by default. */
  workers?: number;
  /** How workers are started and receive the handle (bin.ts: processWorkerPort()). */
  workerPort?: WorkerPort;
}

/** cvm's status for a usage error. */
export const EXIT_MODULE_USAGE = 1;
const DEFAULT_LOCAL_TIMEOUT_MS = 1000;
/**
 * A server logs a line per request: its log lines wait up to this long to
 * share one write (a write per line through the thread pool cost more than
 * the lookup). Exit and SIGTERM still flush them.
 */
export const SERVER_LOG_LINGER_MS = 50;

export function moduleUsage(program: string): string {
  return `${program}: Fatal: Incorrect usage.\nusage: ${program} cvm-local:/path/to/socket\nor:    ${program} cvm-udp:hostname:port\n`;
}

/** A module binary's `--workers N` option (WORKERS_OPTION in its CliSpec). */
export const WORKERS_OPTION: OptionSpec = { name: 'workers', short: 'w', value: 'N', description: `processes serving the socket or port (1 to ${MAX_WORKERS}; default 1)` };

/** The count given with WORKERS_OPTION (1 when absent); undefined, after the usage text, when it is not a valid count. */
export function workersFromCli(program: string, options: ParsedCli['options'], io: Io): number | undefined {
  const workers = parseWorkerCount(options[WORKERS_OPTION.name] as string | undefined);
  if (workers === undefined) io.stderr.write(`${program}: --workers needs a number from 1 to ${MAX_WORKERS}\n${moduleUsage(program)}`);
  return workers;
}

export async function runModule(module: CvmModule, argv: readonly string[], env: Env, io: Io, options: RunModuleOptions): Promise<number> {
  const { program } = options;
  const log = createLogger(program, io.stderr);
  const target = parseTarget(argv);
  if (target === undefined) {
    io.stderr.write(moduleUsage(program));
    return EXIT_MODULE_USAGE;
  }
  // A server starts again in place with V8 sized for it, before any work.
  if (target.kind !== 'command') await options.workerPort?.tuneHeap(env);
  const config: ModuleConfig = { lookupSecret: env.CVM_LOOKUP_SECRET };
  let settings: SocketSettings | undefined;
  try {
    if (target.kind === 'local') settings = socketSettings(env);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    log.fatal(e.message);
    return CvmCode.CONFIG;
  }
  const initCode = (await module.init?.()) ?? 0;
  if (initCode !== 0) {
    if (target.kind !== 'command') log.fatal(`initialisation failed with code ${initCode}`);
    return initCode & 0xff;
  }
  if (target.kind === 'command') {
    if ((options.workers ?? 1) > 1) {
      io.stderr.write(moduleUsage(program));
      return EXIT_MODULE_USAGE;
    }
    return serveCommand(module, config, io.stdin, io.stdout, log);
  }
  if (io.stderr instanceof LogStream) io.stderr.lingerMs = SERVER_LOG_LINGER_MS;
  return runServer(module, target, config, settings, log, env, options);
}

type Target = { kind: 'command' } | { kind: 'local'; path: string } | { kind: 'udp'; host: string; port: number };

function parseTarget(argv: readonly string[]): Target | undefined {
  if (argv.length === 0) return { kind: 'command' };
  if (argv.length !== 1) return undefined;
  const arg = argv[0]!;
  if (arg.startsWith('cvm-local:') && arg.length > 'cvm-local:'.length) return { kind: 'local', path: arg.slice('cvm-local:'.length) };
  if (!arg.startsWith('cvm-udp:')) return undefined;
  const rest = arg.slice('cvm-udp:'.length);
  const colon = rest.indexOf(':');
  const portText = rest.slice(colon + 1);
  if (colon <= 0 || !/^[0-9]{1,5}$/.test(portText)) return undefined;
  const port = Number(portText);
  if (port < 1 || port > 65535) return undefined;
  return { kind: 'udp', host: rest.slice(0, colon), port };
}

function socketSettings(env: Env): SocketSettings {
  const modeText = env.CVM_SOCKET_MODE;
  if (modeText !== undefined && !/^[0-7]{1,4}$/.test(modeText.trim())) throw new ConfigError('CVM_SOCKET_MODE', modeText, 'an octal mode such as 0660');
  const mode = modeText === undefined ? 0o777 : parseInt(modeText.trim(), 8) & 0o777;
  let uid: number | undefined;
  let gid: number | undefined;
  if (env.CVM_SOCKET_OWNER !== undefined) {
    const user = resolveUser(env.CVM_SOCKET_OWNER);
    if (user === undefined) throw new ConfigError('CVM_SOCKET_OWNER', env.CVM_SOCKET_OWNER, 'a user name or number');
    uid = user.uid;
    gid = user.gid;
  }
  if (env.CVM_SOCKET_GROUP !== undefined) {
    gid = resolveGroup(env.CVM_SOCKET_GROUP);
    if (gid === undefined) throw new ConfigError('CVM_SOCKET_GROUP', env.CVM_SOCKET_GROUP, 'a group name or number');
  }
  // Milliseconds; 0 means the default, as in cvm.
  const timeoutMs = envInteger(env, 'CVM_LOCAL_TIMEOUT', DEFAULT_LOCAL_TIMEOUT_MS, { min: 0, max: 3_600_000 }) || DEFAULT_LOCAL_TIMEOUT_MS;
  return { mode, uid, gid, timeoutMs };
}

async function runServer(
  module: CvmModule,
  target: Exclude<Target, { kind: 'command' }>,
  config: ModuleConfig,
  settings: SocketSettings | undefined,
  log: Logger,
  env: Env,
  options: RunModuleOptions,
): Promise<number> {
  const stop = new AbortController();
  options.stopSignal?.addEventListener('abort', () => stop.abort(), { once: true });
  const onSignal = () => stop.abort();
  const signals: NodeJS.Signals[] = options.handleSignals === false ? [] : ['SIGTERM', 'SIGINT'];
  for (const s of signals) process.on(s, onSignal);
  const { workerPort, workers = 1 } = options;
  const pool =
    workers > 1 && workerPort
      ? (handle: SharedHandle) => {
          const started = new WorkerPool(workerPort, env, handle, log);
          started.start(workers - 1);
          return started;
        }
      : undefined;
  try {
    if (env[WORKER_ENV] !== undefined && workerPort) {
      workerPort.onStop(() => stop.abort());
      const shared = await workerPort.receive();
      if (shared.kind === 'local') await serveLocalWorker(module, shared.server, config, settings!, log, stop.signal);
      else await serveUdpWorker(module, shared.socket, config, log, stop.signal);
      await module.stop?.();
      return 0;
    }
    if (target.kind === 'local') {
      await serveLocal(module, target.path, config, settings!, log, stop.signal, pool && ((server) => pool({ kind: 'local', server })));
    } else {
      // "0" means any address, as with cvm's gethostbyname.
      const address = target.host === '0' ? '0.0.0.0' : (await lookup(target.host, { family: 4 })).address;
      await serveUdp(module, address, target.port, config, log, stop.signal, pool && ((socket) => pool({ kind: 'udp', socket })));
    }
  } catch (e) {
    const reason = e instanceof SocketInUseError ? e.message : `unable to serve ${describe(target)}: ${(e as Error).message}`;
    log.fatal(reason);
    return CvmCode.IO;
  } finally {
    for (const s of signals) process.off(s, onSignal);
  }
  await module.stop?.();
  log.info('Stopping.');
  return 0;
}

function describe(target: Exclude<Target, { kind: 'command' }>): string {
  return target.kind === 'local' ? `cvm-local:${target.path}` : `cvm-udp:${target.host}:${target.port}`;
}
