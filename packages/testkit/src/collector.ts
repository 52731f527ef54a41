/** A Writable that keeps everything written to it: the stdout or stderr of a main() under test. */
import { Writable } from 'node:stream';

export interface Collector {
  stream: Writable;
  bytes(): Buffer;
  /** What was written, as UTF-8 text. */
  text(): string;
  /** What was written, one character per byte (protocol bytes as they went out). */
  latin1(): string;
}

export function collector(): Collector {
  const parts: Buffer[] = [];
  const stream = new Writable({
    // Strings are turned into Buffers before they get here (decodeStrings).
    write(chunk: Buffer, _encoding, callback) {
      parts.push(chunk);
      callback();
    },
  });
  const bytes = () => Buffer.concat(parts);
  return { stream, bytes, text: () => bytes().toString('utf8'), latin1: () => bytes().toString('latin1') };
}
