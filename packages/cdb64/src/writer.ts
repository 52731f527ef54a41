/**
 * Streaming cdb/cdb64 writer: djb's cdb_make. Each record goes to the file as
 * it is added (through a write buffer); memory holds only each record's hash
 * and position, in typed arrays, so millions of records cost a few bytes
 * each. finish() appends the 256 hash tables, writes the header and publishes
 * the file atomically.
 *
 * For the same records in the same order the output is byte-identical to
 * djb's cdbmake and tinycdb's `cdb -c`: tables get 2 × n slots, records are
 * placed in insertion order with linear probing (which is what makes
 * getAll() return duplicates in insertion order), empty slots are all zero,
 * and an empty table is written as (current position, 0).
 *
 * Any error thrown by put() or finish() aborts the writer: the temporary
 * file is removed and the old database, if any, is left untouched.
 */
import { AtomicFile, type CdbSink } from './atomic-file.js';
import { toBuffer, type Bytes } from './bytes.js';
import { CdbClosedError, CdbTooLargeError } from './errors.js';
import { hash32Range, hash64Range, type Hash64 } from './hash.js';
import { finishedFileSize, layoutFor, recordSize, TABLE_COUNT, writeU32, type CdbFormat, type Layout } from './layout.js';
import { MemorySink } from './memory-sink.js';
import { NO_RECORD, RecordIndex } from './record-index.js';

export interface CdbWriteOptions {
  /** 'cdb' (classic 32-bit, the default) or 'cdb64'. */
  format?: CdbFormat;
  /** Refuse to grow the file past this many bytes (default and maximum: the format's limit, 2^32 - 1 for cdb). */
  maxFileSize?: number;
  /** Permission bits of a new file (before the umask); default 0o644. */
  mode?: number;
}

/** Records are collected here before each write(2); large enough to make syscalls rare. */
const WRITE_BUFFER_SIZE = 256 * 1024;

export class CdbWriter {
  readonly format: CdbFormat;
  private readonly layout: Layout;
  private readonly maxFileSize: number;
  private state: 'open' | 'finished' | 'aborted' = 'open';
  private readonly buffer = Buffer.allocUnsafe(WRITE_BUFFER_SIZE);
  private buffered = 0;
  /** File position just past everything added so far (buffered or written). */
  private position: number;
  private readonly index: RecordIndex;
  private readonly hash: Hash64 = { hi: 0, lo: 0 };

  /** A writer publishing to `path` (through a temporary file beside it) when finished. */
  static create(path: string, options: CdbWriteOptions = {}): CdbWriter {
    const layout = layoutFor(options.format); // check the options before creating any file
    checkLimit(layout, options.maxFileSize);
    return new CdbWriter(new AtomicFile(path, options.mode === undefined ? {} : { mode: options.mode }), options);
  }

  /** A writer into any sink (a file, memory, a test double). */
  constructor(
    private readonly sink: CdbSink,
    options: CdbWriteOptions = {},
  ) {
    try {
      this.layout = layoutFor(options.format);
      this.maxFileSize = checkLimit(this.layout, options.maxFileSize);
    } catch (e) {
      sink.abort();
      throw e;
    }
    this.format = this.layout.format;
    this.position = this.layout.headerSize;
    this.index = new RecordIndex(this.layout.wordSize === 8);
  }

  /** Records added so far. */
  get count(): number {
    return this.index.count;
  }

  /** Adds a record. Duplicate keys are kept; readers return their values in the order added. */
  put(key: Bytes, value: Bytes): void {
    this.checkOpen();
    try {
      // Strings (latin1: one byte per char) are written straight into the
      // write buffer: no Buffer per key and value, which is most of the
      // garbage when millions of records are added.
      const k = typeof key === 'string' ? key : toBuffer(key);
      const v = typeof value === 'string' ? value : toBuffer(value);
      const size = recordSize(this.layout, k.length, v.length);
      const needed = finishedFileSize(this.layout, this.position + size, this.index.count + 1);
      if (needed > this.maxFileSize) throw new CdbTooLargeError(this.maxFileSize, needed);
      if (size <= this.buffer.length) this.putBuffered(k, v, size);
      else this.putLarge(toBuffer(k), toBuffer(v));
    } catch (e) {
      this.abort();
      throw e;
    }
  }

  /** Writes the hash tables and the header, then publishes the file. */
  finish(): void {
    this.checkOpen();
    try {
      const header = Buffer.alloc(this.layout.headerSize);
      this.writeTables(header);
      this.flush();
      this.sink.write(header, 0);
      this.sink.commit();
      this.state = 'finished';
    } catch (e) {
      this.abort();
      throw e;
    }
  }

  /** Discards the new database; the old file, if any, stays as it was. Safe to call at any time. */
  abort(): void {
    if (this.state !== 'open') return;
    this.state = 'aborted';
    this.sink.abort();
  }

  private checkOpen(): void {
    if (this.state !== 'open') throw new CdbClosedError(`cdb writer is already ${this.state}`);
  }

  /** A record that fits the write buffer: copied in once, hashed where it lies. */
  private putBuffered(key: string | Buffer, value: string | Buffer, size: number): void {
    const { pairSize, wordSize } = this.layout;
    this.reserve(size);
    const at = this.buffered;
    const keyAt = at + pairSize;
    this.layout.writeWord(this.buffer, at, key.length);
    this.layout.writeWord(this.buffer, at + wordSize, value.length);
    copyInto(this.buffer, keyAt, key);
    copyInto(this.buffer, keyAt + key.length, value);
    this.remember(this.buffer, keyAt, keyAt + key.length);
    this.buffered += size;
    this.position += size;
  }

  /** A record larger than the write buffer: written around it. */
  private putLarge(key: Buffer, value: Buffer): void {
    this.remember(key, 0, key.length);
    this.reserve(this.layout.pairSize);
    this.layout.writeWord(this.buffer, this.buffered, key.length);
    this.layout.writeWord(this.buffer, this.buffered + this.layout.wordSize, value.length);
    this.buffered += this.layout.pairSize;
    this.position += this.layout.pairSize;
    this.append(key);
    this.append(value);
  }

  /** Keeps (hash, position) of the record starting at this.position, whose key is bytes[start, end). */
  private remember(bytes: Uint8Array, start: number, end: number): void {
    if (this.index.wide) {
      hash64Range(bytes, start, end, this.hash);
      this.index.add(this.hash.lo, this.hash.hi, this.position);
    } else {
      this.index.add(hash32Range(bytes, start, end), 0, this.position);
    }
  }

  /** Makes room for `bytes` contiguous bytes in the write buffer. */
  private reserve(bytes: number): void {
    if (this.buffered + bytes > this.buffer.length) this.flush();
  }

  private append(data: Buffer): void {
    if (data.length >= this.buffer.length) {
      this.flush();
      this.sink.write(data, this.position);
    } else {
      this.reserve(data.length);
      data.copy(this.buffer, this.buffered);
      this.buffered += data.length;
    }
    this.position += data.length;
  }

  private flush(): void {
    if (this.buffered === 0) return;
    this.sink.write(this.buffer.subarray(0, this.buffered), this.position - this.buffered);
    this.buffered = 0;
  }

  /** Appends the 256 tables (djb's cdb_make_finish) and fills in the header entries. */
  private writeTables(header: Buffer): void {
    const { pairSize, wordSize, writeWord } = this.layout;
    const { hashLo, hashHi, position, wide } = this.index;
    const plan = this.index.plan();
    const owner = new Int32Array(plan.maxSlots);
    for (let t = 0; t < TABLE_COUNT; t++) {
      const slots = plan.slots(t);
      writeWord(header, t * pairSize, this.position);
      writeWord(header, t * pairSize + wordSize, slots);
      plan.place(t, owner);
      for (let slot = 0; slot < slots; slot++) {
        this.reserve(pairSize);
        const r = owner[slot]!;
        const at = this.buffered;
        if (r === NO_RECORD) {
          for (let i = 0; i < pairSize; i++) this.buffer[at + i] = 0; // cheaper than fill() for 8-16 bytes
        } else {
          writeU32(this.buffer, at, hashLo[r]!);
          if (wide) writeU32(this.buffer, at + 4, hashHi[r]!);
          writeWord(this.buffer, at + wordSize, position[r]!);
        }
        this.buffered += pairSize;
        this.position += pairSize;
      }
    }
  }
}

/**
 * Writes records to `path` atomically and returns how many were written. If
 * reading `records` throws, nothing is published.
 */
export function writeCdb(path: string, records: Iterable<readonly [Bytes, Bytes]>, options: CdbWriteOptions = {}): number {
  return fill(CdbWriter.create(path, options), records);
}

/** Builds a database in memory, e.g. for CdbReader.fromBuffer or to send elsewhere. */
export function buildCdb(records: Iterable<readonly [Bytes, Bytes]>, options: Omit<CdbWriteOptions, 'mode'> = {}): Buffer {
  const sink = new MemorySink();
  fill(new CdbWriter(sink, options), records);
  return sink.contents();
}

function fill(writer: CdbWriter, records: Iterable<readonly [Bytes, Bytes]>): number {
  try {
    for (const [key, value] of records) writer.put(key, value);
  } catch (e) {
    writer.abort();
    throw e;
  }
  writer.finish();
  return writer.count;
}

function checkLimit(layout: Layout, requested: number | undefined): number {
  if (requested === undefined) return layout.maxFileSize;
  if (!Number.isSafeInteger(requested) || requested < layout.headerSize || requested > layout.maxFileSize) {
    throw new RangeError(`maxFileSize must be an integer from ${layout.headerSize} to ${layout.maxFileSize} for ${layout.format}`);
  }
  return requested;
}

function copyInto(target: Buffer, at: number, data: string | Buffer): void {
  if (typeof data === 'string') target.write(data, at, 'latin1');
  else data.copy(target, at);
}
