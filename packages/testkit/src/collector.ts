/** A Writable that keeps everything written to it: the stdout or stderr of a main() under test. */
import { Writable } from 'node:stream';

export interface Collector {
  stream: Writable;
  bytes(): Buffer;
  /** What was written, as UTF-8 text. */
  text(): string;
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
  return { stream, bytes: () => Buffer.concat(parts), text: () => Buffer.concat(parts).toString('utf8') };
}
