/**
 * A command module: run it with no arguments, the request on its stdin,
 * the response from its stdout (at most 512 bytes). As in cvm, its exit
 * status replaces the response's code byte, and a module that wrote
 * nothing, or was killed by a signal, gives 4 (Input/Output error).
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { AnswerBytes, ioFailure, settleWithin, systemReason, type Exchange, type TransportOptions } from './transport.js';

export function exchangeWithCommand(path: string, packet: Buffer, options: TransportOptions): Promise<Exchange> {
  return new Promise((resolve) => {
    let child: ChildProcessByStdio<Writable, Readable, null>;
    try {
      child = spawn(path, [], { env: options.env, stdio: ['pipe', 'pipe', 'inherit'] });
    } catch (e) {
      resolve(ioFailure(systemReason(e as Error))); // a name spawn refuses outright, such as ''
      return;
    }
    const answer = new AnswerBytes();
    const finish = settleWithin(resolve, options.timeoutMs, () => {
      child.kill('SIGKILL');
      // A grandchild may still hold the pipes; they are not ours to wait for.
      child.stdout.destroy();
      child.stdin.destroy();
    });
    child.on('error', (e) => finish(ioFailure(systemReason(e))));
    child.stdout.on('data', (chunk: Buffer) => answer.add(chunk));
    child.on('close', (status, signal) => {
      const response = answer.bytes;
      if (signal !== null || status === null) return finish(ioFailure(`${path} was killed by ${signal ?? 'a signal'}`));
      if (response.length === 0) return finish(ioFailure(`${path} exited with status ${status} without an answer`));
      response[0] = status & 0xff;
      finish({ ok: true, response });
    });
    // A module may exit without reading its input.
    child.stdin.on('error', () => {});
    child.stdin.end(packet);
  });
}
