/**
 * A module serving `cvm-udp:HOST:PORT`: each datagram (at most 512 bytes)
 * is one request, answered to the address and port it came from.
 */
import { createSocket } from 'node:dgram';
import type { Logger } from '@mailfront/core';
import { CVM_PACKET_MAX } from './constants.js';
import { answerRequest, logAnswer, type CvmModule, type ModuleConfig } from './module.js';

export async function serveUdp(
  module: CvmModule,
  address: string,
  port: number,
  config: ModuleConfig,
  log: Logger,
  stopSignal: AbortSignal,
): Promise<void> {
  const socket = createSocket('udp4');
  socket.on('message', (datagram, peer) => {
    void answerRequest(module, datagram.subarray(0, CVM_PACKET_MAX), config).then((result) => {
      logAnswer(log, result);
      try {
        socket.send(result.reply, peer.port, peer.address);
      } catch {
        // the server stopped while this request was answered
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, address, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  // A send to a peer that went away reports an error; it must not end the server.
  socket.on('error', (e) => log.warn(`udp: ${e.message}`));
  log.info('Starting.');
  await new Promise<void>((resolve) => {
    if (stopSignal.aborted) resolve();
    stopSignal.addEventListener('abort', () => resolve(), { once: true });
  });
  socket.close();
}
