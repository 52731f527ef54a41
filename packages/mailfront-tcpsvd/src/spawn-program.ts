/**
 * Runs a program that is not in-process (another project's, or a rule's
 * exec command) onto the connection, as tcpsvd runs every program: fd 0
 * and fd 1 are the socket, fd 2 is ours (the log), the environment is the
 * session's, and the exit status is the session's.
 *
 * The socket arrives unread (a session's socket is created paused and only
 * an in-process program reads it), so the program gets every byte the
 * client sent. Once it has started, our copy of the socket is closed with
 * destroy(), never end(): end() would send a FIN for the program too.
 * libuv makes the shared socket blocking for the child, which no longer
 * matters to us then.
 */
import { spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import { envRecord, ExecError, type Env } from '@mailfront/core';

/**
 * Resolves with the program's exit status; a program killed by a signal
 * counts as 0, as tcpsvd logs it. Rejects with ExecError when it cannot be
 * started.
 */
export function spawnOnSocket(file: string, argv: readonly string[], env: Env, socket: Socket): Promise<number> {
  const [name = file, ...args] = argv;
  return new Promise((resolve, reject) => {
    let child;
    try {
      child = spawn(file, args, { argv0: name, env: envRecord(env), stdio: [socket, socket, 'inherit'] });
    } catch (e) {
      reject(new ExecError(name, (e as Error).message));
      return;
    }
    child.once('spawn', () => socket.destroy());
    child.once('error', (e: NodeJS.ErrnoException) => {
      reject(new ExecError(name, e.code === 'ENOENT' ? 'file does not exist' : e.code === 'EACCES' ? 'access denied' : e.message));
    });
    child.once('exit', (code) => resolve(code ?? 0));
  });
}
