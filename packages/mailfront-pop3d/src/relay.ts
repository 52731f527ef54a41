/**
 * The `auth` mode on an encrypted session (after STLS, or with
 * TLS_IMMEDIATE). The TLS layer lives in this process, so PROGRAM cannot
 * be exec'd onto the connection as it is without TLS: it would write
 * plaintext to a client that expects TLS records. It is started with pipes
 * instead, and this process carries the bytes between it and the TLS
 * layer, as sslserver does for the C pair, until PROGRAM exits.
 *
 * Commands the client pipelined after PASS are already decrypted and read
 * here; they are handed to PROGRAM first, so they are answered (pop3front-
 * auth loses them, reference POP6).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Writable } from 'node:stream';
import { constants as osConstants } from 'node:os';
import { envRecord, ExecError, findExecutable, type Env } from '@mailfront/core';
import type { Pop3Connection } from './connection.js';

/** Signals a supervisor (runsv, supervise, tcpserver) may send us: PROGRAM gets them too. */
const FORWARDED_SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGALRM', 'SIGCONT'];

/**
 * Starts PROGRAM with its stdin and stdout on pipes, and its stderr ours
 * (the log) unless `stderr` is given; rejects with ExecError if it cannot run.
 */
function start(argv: readonly string[], env: Env, stderr: Writable | undefined): Promise<ChildProcess> {
  const [program = '', ...args] = argv;
  const file = findExecutable(program, env.PATH);
  if (file === undefined) return Promise.reject(new ExecError(program || '(nothing)', 'file does not exist'));
  const child = spawn(file, args, { argv0: program, env: envRecord(env), stdio: ['pipe', 'pipe', stderr ? 'pipe' : 'inherit'] });
  if (stderr) child.stderr!.pipe(stderr, { end: false });
  return new Promise((resolve, reject) => {
    child.once('spawn', () => resolve(child));
    child.once('error', (e: NodeJS.ErrnoException) => reject(new ExecError(program, e.code === 'EACCES' ? 'access denied' : e.message)));
  });
}

/**
 * Runs PROGRAM behind the TLS layer of `connection`; resolves with its exit
 * status (128 + n when signal n killed it). The caller closes the TLS
 * session afterwards.
 */
export async function relayProgram(argv: readonly string[], env: Env, connection: Pop3Connection, stderr?: Writable): Promise<number> {
  const socket = connection.tls;
  if (socket === undefined) throw new Error('relayProgram needs a TLS session');
  await connection.flush();
  const child = await start(argv, env, stderr);
  const stdin = child.stdin!;
  const stdout = child.stdout!;
  // PROGRAM may exit without reading everything: its stdin then fails with EPIPE.
  stdin.on('error', () => {});
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);

  for (const bytes of connection.input.takePending()) stdin.write(bytes);
  socket.on('data', (bytes: Buffer) => (connection.input.bytesIn += bytes.length));
  stdout.on('data', (bytes: Buffer) => (connection.output.bytesOut += bytes.length));
  socket.pipe(stdin);
  // A reset ends the client's side without an 'end', which pipe() would pass on.
  socket.once('close', () => stdin.end());
  stdout.pipe(socket, { end: false });

  const status = await new Promise<number>((resolve) => {
    child.once('close', (code, signal) => resolve(signal ? 128 + (osConstants.signals[signal] ?? 0) : (code ?? 111)));
  });
  for (const signal of FORWARDED_SIGNALS) process.off(signal, forward);
  socket.unpipe(stdin);
  return status;
}
