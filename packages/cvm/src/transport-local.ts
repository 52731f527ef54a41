/**
 * A module listening on a UNIX socket (`cvm-local:PATH`): connect, send the
 * request, half-close (the module waits for that end of input), read the
 * response until the module closes, at most 512 bytes.
 */
import { createConnection } from 'node:net';
import { AnswerBytes, ioFailure, settleWithin, systemReason, type Exchange, type TransportOptions } from './transport.js';

export function exchangeWithSocket(path: string, packet: Buffer, options: TransportOptions): Promise<Exchange> {
  return new Promise((resolve) => {
    const socket = createConnection(path);
    const answer = new AnswerBytes();
    const done = (exchange: Exchange) => {
      socket.destroy();
      resolve(exchange);
    };
    const finish = settleWithin(done, options.timeoutMs, () => {});
    socket.on('connect', () => socket.end(packet));
    socket.on('error', (e) => finish(ioFailure(systemReason(e))));
    socket.on('data', (chunk: Buffer) => {
      if (answer.add(chunk)) finish({ ok: true, response: answer.bytes });
    });
    socket.on('end', () => finish({ ok: true, response: answer.bytes }));
  });
}
