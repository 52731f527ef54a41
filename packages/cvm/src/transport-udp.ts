/**
 * A module listening on UDP (`cvm-udp:HOST:PORT`). The request is sent,
 * then sent again after 2, 4, 8 and 16 seconds without an answer, as cvm's
 * client does; then the exchange fails with 4. A datagram that does not echo
 * our nonce is not an answer to this request and is ignored (the C client
 * takes the first datagram from anyone and fails with 3 if it is a forgery).
 */
import { createSocket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { CVM_PACKET_MAX } from './constants.js';
import { generalFailure, ioFailure, systemReason, type Exchange, type TransportOptions } from './transport.js';

export const UDP_RETRY_DELAYS_MS: readonly number[] = [2000, 4000, 8000, 16000];

export async function exchangeWithUdp(host: string, port: number, packet: Buffer, options: TransportOptions): Promise<Exchange> {
  let address: string;
  try {
    address = (await lookup(host, { family: 4 })).address;
  } catch (e) {
    return generalFailure(`cannot resolve ${host}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const random = options.random;
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    let timer: NodeJS.Timeout | undefined;
    let attempt = 0;
    const finish = (exchange: Exchange) => {
      clearTimeout(timer);
      socket.close();
      resolve(exchange);
    };
    const send = () => {
      if (attempt === options.udpRetryDelaysMs.length) return finish(ioFailure(`no answer from ${address}:${port} after ${attempt} tries`));
      const delay = options.udpRetryDelaysMs[attempt++]!;
      socket.send(packet, port, address);
      timer = setTimeout(send, delay);
    };
    socket.on('error', (e) => finish(ioFailure(systemReason(e))));
    socket.on('message', (datagram: Buffer) => {
      if (datagram.length > CVM_PACKET_MAX || datagram[1] !== random.length) return;
      if (!datagram.subarray(2, 2 + random.length).equals(random)) return;
      finish({ ok: true, response: datagram });
    });
    socket.bind(0, send);
  });
}
