/**
 * A module listening on a UNIX socket (`cvm-local:PATH`): connect, send the
 * request, half-close (the module waits for that end of input), read the
 * response until the module closes, at most 512 bytes.
 */
import { createConnection } from 'node:net';
import { CVM_PACKET_MAX } from './constants.js';
import { NO_EXCHANGE_IO, type Exchange, type TransportOptions } from './transport.js';

export function exchangeWithSocket(path: string, packet: Buffer, options: TransportOptions): Promise<Exchange> {
  return new Promise((resolve) => {
    const socket = createConnection(path);
    const chunks: Buffer[] = [];
    let received = 0;
    let settled = false;
    const finish = (exchange: Exchange) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(exchange);
    };
    const timer = setTimeout(() => finish(NO_EXCHANGE_IO), options.timeoutMs);
    socket.on('connect', () => socket.end(packet));
    socket.on('error', () => finish(NO_EXCHANGE_IO));
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk.subarray(0, CVM_PACKET_MAX - received));
      received += chunk.length;
      if (received >= CVM_PACKET_MAX) finish({ ok: true, response: Buffer.concat(chunks) });
    });
    socket.on('end', () => finish({ ok: true, response: Buffer.concat(chunks) }));
  });
}
