/**
 * The real WorkerPort: a worker is this same program (the script Node was
 * started with, the same arguments and Node options) forked with an IPC
 * channel, over which the bound handle goes. Built by a module binary's
 * bin.ts, the only place that touches the process.
 */
import { fork } from 'node:child_process';
import { execProgram } from '@mailfront/core';
import type { Socket as DgramSocket } from 'node:dgram';
import type { Server } from 'node:net';
import { SERVER_V8_FLAGS, type SharedHandle, type WorkerPort, type WorkerProcess } from './workers.js';

interface ServeMessage {
  cvm: 'serve' | 'stop';
  kind?: SharedHandle['kind'];
}

const isMessage = (m: unknown, cvm: ServeMessage['cvm']): m is ServeMessage => typeof m === 'object' && m !== null && (m as ServeMessage).cvm === cvm;

export function processWorkerPort(): WorkerPort {
  const script = process.argv[1]!;
  const args = process.argv.slice(2);
  const execArgv = process.execArgv;
  return {
    start(env): WorkerProcess {
      const child = fork(script, args, { env: env as NodeJS.ProcessEnv, execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code ?? 0)));
      // A worker that could not start must not crash the primary.
      child.on('error', () => {});
      return {
        get pid() {
          return child.pid;
        },
        share(handle) {
          child.send({ cvm: 'serve', kind: handle.kind } satisfies ServeMessage, handle.kind === 'local' ? handle.server : handle.socket);
        },
        stop() {
          if (child.connected) child.send({ cvm: 'stop' } satisfies ServeMessage);
          else child.kill('SIGTERM');
        },
        exited,
      };
    },
    receive() {
      return new Promise((resolve) => {
        const onMessage = (message: unknown, handle: unknown) => {
          if (!isMessage(message, 'serve')) return;
          process.off('message', onMessage);
          resolve(message.kind === 'udp' ? { kind: 'udp', socket: handle as DgramSocket } : { kind: 'local', server: handle as Server });
        };
        process.on('message', onMessage);
      });
    },
    async tuneHeap(env) {
      const given = [...execArgv, ...(env.NODE_OPTIONS ?? '').split(/\s+/)];
      const missing = SERVER_V8_FLAGS.filter((flag) => !given.some((g) => g.startsWith(flag.split('=')[0]!)));
      if (missing.length === 0) return;
      // Replaces this process; only if that fails does the server go on as it is.
      await execProgram([process.execPath, ...missing, ...execArgv, script, ...args], env).catch(() => undefined);
    },
    onStop(handler) {
      process.on('message', (message: unknown) => {
        if (isMessage(message, 'stop')) handler();
      });
      process.once('disconnect', handler);
    },
  };
}
