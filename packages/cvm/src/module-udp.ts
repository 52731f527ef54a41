/**
 * A module serving `cvm-udp:HOST:PORT`: each datagram (at most 512 bytes)
 * is one request, answered to the address and port it came from. With
 * workers (workers.ts) the bound socket is shared with them.
 */
import { createSocket, type Socket } from 'node:dgram';
import type { Logger } from '@mailfront/core';
import { CVM_PACKET_MAX } from './constants.js';
import { untilAborted } from './module-local.js';
import { answerRequest, logAnswer, type CvmModule, type ModuleConfig } from './module.js';
import type { WorkerPool } from './workers.js';

export async function serveUdp(
  module: CvmModule,
  address: string,
  port: number,
  config: ModuleConfig,
  log: Logger,
  stopSignal: AbortSignal,
  workers?: (socket: Socket) => WorkerPool,
): Promise<void> {
  const socket = createSocket('udp4');
  answerDatagrams(module, socket, config, log);
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, address, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  // A send to a peer that went away reports an error; it must not end the server.
  socket.on('error', (e) => log.warn(`udp: ${e.message}`));
  const pool = workers?.(socket);
  log.info('Starting.');
  await untilAborted(stopSignal);
  socket.close();
  await pool?.stop();
}

/** A worker: answers datagrams on the socket the primary bound, until stopped. */
export async function serveUdpWorker(module: CvmModule, socket: Socket, config: ModuleConfig, log: Logger, stopSignal: AbortSignal): Promise<void> {
  answerDatagrams(module, socket, config, log);
  socket.on('error', (e) => log.warn(`udp: ${e.message}`));
  await untilAborted(stopSignal);
  socket.close();
}

function answerDatagrams(module: CvmModule, socket: Socket, config: ModuleConfig, log: Logger): void {
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
}
