/**
 * A module serving `cvm-local:PATH`, a UNIX stream socket.
 *
 * Per connection: read the request until the client half-closes or 512
 * bytes have arrived, within CVM_LOCAL_TIMEOUT ms (else the connection is
 * dropped without an answer, as in cvm); answer; close. Connections are
 * served concurrently, each holding at most 512 bytes.
 *
 * The socket is created with its final mode: the umask is set while it is
 * bound, so it is never more open than CVM_SOCKET_MODE says and needs no
 * chmod. Nothing is done to PATH through a call that follows a symbolic
 * link: after the bind the path must still be a socket (else the server
 * refuses to start: somebody swapped it), its owner is set with lchown, and
 * it is removed at the end only if it is still the same socket. With
 * workers (workers.ts) the bound server is shared with them, and they are
 * stopped before the socket is removed. Unlike cvm,
 * which unlinks whatever is at PATH, an existing path is replaced only when
 * it is a socket nobody listens on: a file or a symbolic link is never
 * deleted and a running server's socket is never stolen. At SIGTERM or
 * SIGINT the socket is removed, if it is still ours.
 */
import { lchownSync, lstatSync, unlinkSync, type Stats } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { Logger } from '@mailfront/core';
import { CVM_PACKET_MAX } from './constants.js';
import { answerRequest, logAnswer, type CvmModule, type ModuleConfig } from './module.js';
import type { WorkerPool } from './workers.js';

export interface SocketSettings {
  /** Permission bits of the socket (CVM_SOCKET_MODE, default 0777 as in cvm). */
  mode: number;
  uid: number | undefined;
  gid: number | undefined;
  /** CVM_LOCAL_TIMEOUT: the time to read a request, and again to write the answer. */
  timeoutMs: number;
}

/** Most connections held at once; more wait in the kernel's backlog. */
const MAX_CONNECTIONS = 512;

export async function serveLocal(
  module: CvmModule,
  path: string,
  config: ModuleConfig,
  settings: SocketSettings,
  log: Logger,
  stopSignal: AbortSignal,
  workers?: (server: Server) => WorkerPool,
): Promise<void> {
  await clearStaleSocket(path);
  const server = connectionServer(module, config, settings, log);
  await listenWithMode(server, path, settings.mode);
  let bound: Stats;
  try {
    bound = lstatSync(path);
    if (!bound.isSocket()) throw new SocketInUseError(`${path} was replaced by something else than our socket`);
    if (settings.uid !== undefined || settings.gid !== undefined) lchownSync(path, settings.uid ?? -1, settings.gid ?? -1);
  } catch (e) {
    server.close();
    throw e;
  }
  const pool = workers?.(server);
  log.info('Starting.');
  await untilAborted(stopSignal);
  server.close();
  await pool?.stop();
  removeIfOurs(path, bound);
}

/**
 * A worker: answers connections on the server the primary bound, until
 * stopped. The server arrives listening (Node wraps the handle it was sent
 * in a net.Server of its own, and the descriptor cannot be wrapped twice),
 * so it gets the options connectionServer() gives ours: half-open sockets,
 * since a CVM client half-closes after its request and reads the answer.
 */
export async function serveLocalWorker(module: CvmModule, server: Server, config: ModuleConfig, settings: SocketSettings, log: Logger, stopSignal: AbortSignal): Promise<void> {
  // Node reads this field for every connection it accepts (lib/net.js onconnection).
  (server as Server & { allowHalfOpen: boolean }).allowHalfOpen = true;
  server.maxConnections = MAX_CONNECTIONS;
  server.on('connection', (socket: Socket) => handleConnection(module, config, settings, log, socket));
  await untilAborted(stopSignal);
  server.close();
}

function connectionServer(module: CvmModule, config: ModuleConfig, settings: SocketSettings, log: Logger): Server {
  const server = createServer({ allowHalfOpen: true }, (socket) => handleConnection(module, config, settings, log, socket));
  server.maxConnections = MAX_CONNECTIONS;
  return server;
}

export function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

function handleConnection(module: CvmModule, config: ModuleConfig, settings: SocketSettings, log: Logger, socket: Socket): void {
  const chunks: Buffer[] = [];
  let length = 0;
  let answered = false;
  // One timer: the read phase, then (refreshed) the write phase, each get the
  // whole timeout; a silent client is dropped without an answer.
  const timer = setTimeout(() => socket.destroy(), settings.timeoutMs);
  socket.on('error', () => socket.destroy());
  socket.on('close', () => clearTimeout(timer));
  const answer = () => {
    if (answered) return;
    answered = true;
    socket.removeAllListeners('data');
    socket.pause();
    const packet = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    void answerRequest(module, packet.subarray(0, CVM_PACKET_MAX), config).then((result) => {
      logAnswer(log, result);
      if (socket.destroyed) return;
      timer.refresh();
      socket.end(result.reply);
    });
  };
  socket.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    length += chunk.length;
    if (length >= CVM_PACKET_MAX) answer();
  });
  socket.on('end', answer);
}

/** Binds with the umask that gives the socket `mode` from the start. */
function listenWithMode(server: Server, path: string, mode: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const saved = process.umask(0o777 & ~mode);
    const restore = () => process.umask(saved);
    server.once('error', (e) => {
      restore();
      reject(e);
    });
    server.listen(path, () => {
      restore();
      resolve();
    });
  });
}

export class SocketInUseError extends Error {
  override name = 'SocketInUseError';
}

/** Removes a socket left by a server that is gone; refuses a live socket or anything that is not a socket. */
async function clearStaleSocket(path: string): Promise<void> {
  let isSocket: boolean;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch {
    return; // nothing there
  }
  if (!isSocket) throw new SocketInUseError(`${path} exists and is not a socket`);
  if (await someoneListens(path)) throw new SocketInUseError(`another server listens on ${path}`);
  unlinkSync(path);
}

function someoneListens(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect(path);
    probe.on('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.on('error', () => resolve(false));
  });
}

function removeIfOurs(path: string, bound: Stats): void {
  try {
    const now = lstatSync(path);
    if (now.isSocket() && now.ino === bound.ino && now.dev === bound.dev) unlinkSync(path);
  } catch {
    // already gone
  }
}
