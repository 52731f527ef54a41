import { PassThrough } from 'node:stream';
import type { Io } from '@mailfront/core';

export interface FakeIo extends Io {
  stdin: PassThrough;
  stdout: PassThrough;
  stderr: PassThrough;
  out(): string;
  err(): string;
}

/** Streams standing in for the connection (stdin/stdout) and the log (stderr). */
export function fakeIo(input?: string | Buffer): FakeIo {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const collect = (s: PassThrough) => {
    const chunks: Buffer[] = [];
    s.on('data', (b: Buffer) => chunks.push(b));
    return () => Buffer.concat(chunks).toString('latin1');
  };
  const out = collect(stdout);
  const err = collect(stderr);
  if (input !== undefined) stdin.end(input);
  return { stdin, stdout, stderr, out, err };
}
