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
import { djbHash32, djbHash64, startSlot32, startSlot64, tableIndex, type Hash64 } from './hash.js';
import { finishedFileSize, layoutFor, recordSize, SLOTS_PER_RECORD, TABLE_COUNT, writeU32, type CdbFormat, type Layout } from './layout.js';
import { MemorySink } from './memory-sink.js';

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
const INITIAL_CAPACITY = 1024;
const NO_RECORD = -1;

export class CdbWriter {
  readonly format: CdbFormat;
  private readonly layout: Layout;
  private readonly maxFileSize: number;
  private state: 'open' | 'finished' | 'aborted' = 'open';
  private readonly buffer = Buffer.allocUnsafe(WRITE_BUFFER_SIZE);
  private buffered = 0;
  /** File position just past everything added so far (buffered or written). */
  private position: number;
  private records = 0;
  private hashLo = new Uint32Array(INITIAL_CAPACITY);
  /** Only cdb64 stores the high half of its hash. */
  private hashHi: Uint32Array;
  private recordPos = new Float64Array(INITIAL_CAPACITY);
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
    this.hashHi = new Uint32Array(this.layout.wordSize === 8 ? INITIAL_CAPACITY : 0);
  }

  /** Records added so far. */
  get count(): number {
    return this.records;
  }

  /** Adds a record. Duplicate keys are kept; readers return their values in the order added. */
  put(key: Bytes, value: Bytes): void {
    this.checkOpen();
    try {
      const k = toBuffer(key);
      const v = toBuffer(value);
      const size = recordSize(this.layout, k.length, v.length);
      const needed = finishedFileSize(this.layout, this.position + size, this.records + 1);
      if (needed > this.maxFileSize) throw new CdbTooLargeError(this.maxFileSize, needed);
      this.remember(k);
      this.reserve(this.layout.pairSize);
      this.layout.writeWord(this.buffer, this.buffered, k.length);
      this.layout.writeWord(this.buffer, this.buffered + this.layout.wordSize, v.length);
      this.buffered += this.layout.pairSize;
      this.position += this.layout.pairSize;
      this.append(k);
      this.append(v);
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

  /** Keeps (hash, position) of the record about to be written at this.position. */
  private remember(key: Buffer): void {
    if (this.records === this.hashLo.length) this.grow();
    if (this.layout.wordSize === 8) {
      djbHash64(key, this.hash);
      this.hashLo[this.records] = this.hash.lo;
      this.hashHi[this.records] = this.hash.hi;
    } else {
      this.hashLo[this.records] = djbHash32(key);
    }
    this.recordPos[this.records] = this.position;
    this.records++;
  }

  private grow(): void {
    const capacity = this.hashLo.length * 2;
    this.hashLo = resized(this.hashLo, new Uint32Array(capacity));
    if (this.layout.wordSize === 8) this.hashHi = resized(this.hashHi, new Uint32Array(capacity));
    this.recordPos = resized(this.recordPos, new Float64Array(capacity));
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
    const wide = wordSize === 8;
    const { order, starts } = groupByTable(this.hashLo, this.records);
    let maxSlots = 0;
    for (let t = 0; t < TABLE_COUNT; t++) maxSlots = Math.max(maxSlots, (starts[t + 1]! - starts[t]!) * SLOTS_PER_RECORD);
    const owner = new Int32Array(maxSlots);
    for (let t = 0; t < TABLE_COUNT; t++) {
      const slots = (starts[t + 1]! - starts[t]!) * SLOTS_PER_RECORD;
      writeWord(header, t * pairSize, this.position);
      writeWord(header, t * pairSize + wordSize, slots);
      if (slots === 0) continue;
      owner.fill(NO_RECORD, 0, slots);
      for (let i = starts[t]!; i < starts[t + 1]!; i++) {
        const r = order[i]!;
        const lo = this.hashLo[r]!;
        let slot = wide ? startSlot64(this.hashHi[r]!, lo, slots) : startSlot32(lo, slots);
        while (owner[slot] !== NO_RECORD) slot = slot + 1 === slots ? 0 : slot + 1;
        owner[slot] = r;
      }
      for (let slot = 0; slot < slots; slot++) {
        this.reserve(pairSize);
        const r = owner[slot]!;
        const at = this.buffered;
        if (r === NO_RECORD) {
          this.buffer.fill(0, at, at + pairSize);
        } else {
          writeU32(this.buffer, at, this.hashLo[r]!);
          if (wide) writeU32(this.buffer, at + 4, this.hashHi[r]!);
          writeWord(this.buffer, at + wordSize, this.recordPos[r]!);
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

function resized<T extends Uint32Array | Float64Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

/**
 * Counting sort of record indices by table, stable so that each table lists
 * its records in insertion order: order[starts[t] .. starts[t+1]) are table t's.
 */
function groupByTable(hashLo: Uint32Array, records: number): { order: Uint32Array; starts: Uint32Array } {
  const starts = new Uint32Array(TABLE_COUNT + 1);
  for (let r = 0; r < records; r++) starts[tableIndex(hashLo[r]!) + 1]++;
  for (let t = 0; t < TABLE_COUNT; t++) starts[t + 1] += starts[t]!;
  const next = starts.slice(0, TABLE_COUNT);
  const order = new Uint32Array(records);
  for (let r = 0; r < records; r++) order[next[tableIndex(hashLo[r]!)]++] = r;
  return { order, starts };
}
