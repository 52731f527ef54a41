/**
 * A command module: run it with no arguments, the request on its stdin,
 * the response from its stdout (at most 512 bytes). As in cvm, its exit
 * status replaces the response's code byte, and a module that wrote
 * nothing, or was killed by a signal, gives 4 (Input/Output error).
 */
import { spawn } from 'node:child_process';
import { CVM_PACKET_MAX } from './constants.js';
import { NO_EXCHANGE_IO, type Exchange, type TransportOptions } from './transport.js';

export function exchangeWithCommand(path: string, packet: Buffer, options: TransportOptions): Promise<Exchange> {
  return new Promise((resolve) => {
    let child;
    try {
      child = spawn(path, [], { env: options.env, stdio: ['pipe', 'pipe', 'inherit'] });
    } catch {
      resolve(NO_EXCHANGE_IO);
      return;
    }
    const chunks: Buffer[] = [];
    let received = 0;
    let settled = false;
    const finish = (exchange: Exchange) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(exchange);
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      // A grandchild may still hold the pipes; they are not ours to wait for.
      child.stdout.destroy();
      child.stdin.destroy();
      finish(NO_EXCHANGE_IO);
    }, options.timeoutMs);
    child.on('error', () => finish(NO_EXCHANGE_IO));
    child.stdout.on('data', (chunk: Buffer) => {
      const room = CVM_PACKET_MAX - received;
      if (room <= 0) return;
      const kept = chunk.subarray(0, room);
      chunks.push(kept);
      received += kept.length;
    });
    child.on('close', (status, signal) => {
      const response = Buffer.concat(chunks);
      if (signal !== null || status === null || response.length === 0) return finish(NO_EXCHANGE_IO);
      response[0] = status & 0xff;
      finish({ ok: true, response });
    });
    // A module may exit without reading its input.
    child.stdin.on('error', () => {});
    child.stdin.end(packet);
  });
}
