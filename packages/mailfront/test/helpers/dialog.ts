/**
 * Runs a whole receiver session in-process: the input as the client's
 * bytes, fake stdout/stderr, and the environment given (nothing from the
 * test's own). Returns what the client and the log saw.
 */
import { PassThrough, Readable } from 'node:stream';
import { collector } from '@mailfront/testkit';
import type { Env, Io, ListenSession } from '@mailfront/core';
import { runReceiver } from '../../src/receiver.js';
import { smtp } from '../../src/protocols/smtp/index.js';
import type { Protocol } from '../../src/protocols/protocol.js';

export interface DialogResult {
  /** Reply lines, split at CR LF. */
  replies: string[];
  stdout: string;
  stderr: string;
  /** Log lines without the `program[pid]: ` prefix, the transaction summaries left out. */
  log: string[];
  /** Log lines as written. */
  rawLog: string[];
  /** The transaction summary lines, without `program[pid]: summary `. */
  summaries: string[];
  status: number;
}

export const CLIENT: Env = {
  TCPLOCALHOST: 'mx.example.com',
  TCPLOCALIP: '192.0.2.1',
  TCPREMOTEIP: '198.51.100.7',
  TCPREMOTEHOST: 'client.example.net',
};

export async function dialog(
  args: string[],
  input: string | Buffer | Readable,
  env: Env = CLIENT,
  protocol: Protocol<unknown> = smtp as Protocol<unknown>,
  /** Runs the receiver as mailfront-tcpsvd would, in listen mode. */
  session?: ListenSession,
): Promise<DialogResult> {
  const stdin = input instanceof Readable ? input : Readable.from([Buffer.from(input as string, 'latin1')], { objectMode: false });
  const out = collector();
  const err = collector();
  const io: Io = { stdin, stdout: out.stream, stderr: err.stream, session };
  const status = await runReceiver(protocol, { program: 'test', version: '0', description: 'test' }, args, env, io);
  const stdout = out.latin1();
  const stderr = err.latin1();
  const lines = stderr
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.replace(/^test\[\d+\]: /, ''));
  return {
    replies: stdout.split('\r\n').filter((l) => l !== ''),
    stdout,
    stderr,
    log: lines.filter((l) => !l.startsWith('summary ')),
    summaries: lines.filter((l) => l.startsWith('summary ')).map((l) => l.slice('summary '.length)),
    rawLog: stderr.split('\n').filter((l) => l !== ''),
    status,
  };
}

/** A client that writes its lines one by one, waiting between them (for timeouts). */
export function slowClient(): { stream: PassThrough; send: (text: string) => void; end: () => void } {
  const stream = new PassThrough();
  return { stream, send: (text) => stream.write(Buffer.from(text, 'latin1')), end: () => stream.end() };
}
