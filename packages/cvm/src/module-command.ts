/**
 * A module run as a command (no argument): one request from stdin (read
 * until end of input or 512 bytes), the response on stdout, and the code
 * as exit status.
 */
import type { Readable, Writable } from 'node:stream';
import { Output, type Logger } from '@mailfront/core';
import { CVM_PACKET_MAX } from './constants.js';
import { answerRequest, logAnswer, type CvmModule, type ModuleConfig } from './module.js';

export async function serveCommand(module: CvmModule, config: ModuleConfig, stdin: Readable, stdout: Writable, log: Logger): Promise<number> {
  const packet = await readRequest(stdin);
  const answer = await answerRequest(module, packet, config);
  // A command module's stderr is its client's: only the warnings, as cvm logs nothing there.
  logAnswer(log, answer, false);
  const out = new Output(stdout);
  out.write(answer.reply);
  await out.flush();
  return answer.code;
}

/** Reads until end of input or 512 bytes; never more. */
export function readRequest(stdin: Readable): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const done = () => {
      stdin.off('data', onData);
      stdin.off('end', done);
      stdin.off('error', done);
      stdin.pause();
      resolve(Buffer.concat(chunks).subarray(0, CVM_PACKET_MAX));
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      length += chunk.length;
      if (length >= CVM_PACKET_MAX) done();
    };
    stdin.on('data', onData);
    stdin.on('end', done);
    stdin.on('error', done);
  });
}
