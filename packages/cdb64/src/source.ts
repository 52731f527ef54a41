/**
 * Where a reader's bytes come from: a file read with pread (positioned reads
 * on a file descriptor, so a lookup touches a few hundred bytes of a
 * database of any size) or a Buffer already in memory.
 *
 * Every read is bounds-checked against the size seen at open; a short read
 * (the file was truncated under us) is reported as corruption, never
 * returned as a partial buffer.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { CdbCorruptError } from './errors.js';

export interface ByteSource {
  /** File name for error messages; undefined for a buffer. */
  readonly name: string | undefined;
  readonly size: number;
  /**
   * `length` bytes at `position`. The result may be `scratch` (file source,
   * when it is large enough) or a view into the source (buffer source): it
   * is only valid until the next read with the same scratch buffer.
   */
  read(position: number, length: number, scratch?: Buffer): Buffer;
  /** `length` bytes at `position` in a Buffer of their own, safe to hand to the caller. */
  copy(position: number, length: number): Buffer;
  close(): void;
}

/** Throws CdbCorruptError unless [position, position + length) lies inside a source of `size` bytes. */
export function checkBounds(name: string | undefined, size: number, position: number, length: number, what: string): void {
  if (position < 0 || length < 0 || position + length > size) {
    throw new CdbCorruptError(name, position, `${what} (${length} bytes) extends past the end of the file (${size} bytes)`);
  }
}

export class BufferSource implements ByteSource {
  readonly size: number;
  private readonly data: Buffer;

  constructor(data: Uint8Array) {
    this.data = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    this.size = this.data.length;
  }

  get name(): undefined {
    return undefined;
  }

  read(position: number, length: number): Buffer {
    checkBounds(undefined, this.size, position, length, 'read');
    return this.data.subarray(position, position + length);
  }

  copy(position: number, length: number): Buffer {
    return Buffer.from(this.read(position, length));
  }

  close(): void {}
}

export class FileSource implements ByteSource {
  readonly size: number;
  private fd: number;

  constructor(readonly name: string) {
    this.fd = openSync(name, 'r');
    try {
      this.size = fstatSync(this.fd).size;
      /* c8 ignore start: fstat of a descriptor just opened does not fail; if it did, do not leak it */
    } catch (e) {
      closeSync(this.fd);
      throw e;
    }
    /* c8 ignore stop */
  }

  read(position: number, length: number, scratch?: Buffer): Buffer {
    checkBounds(this.name, this.size, position, length, 'read');
    const target = scratch !== undefined && scratch.length >= length ? scratch : Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const n = readSync(this.fd, target, done, length - done, position + done);
      if (n === 0) throw new CdbCorruptError(this.name, position + done, 'file is shorter than when it was opened');
      done += n;
    }
    return target.length === length ? target : target.subarray(0, length);
  }

  copy(position: number, length: number): Buffer {
    return this.read(position, length);
  }

  close(): void {
    if (this.fd >= 0) {
      const fd = this.fd;
      this.fd = -1;
      closeSync(fd);
    }
  }
}
