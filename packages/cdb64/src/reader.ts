/**
 * Reading a cdb or cdb64: lookups of the first or all values of a key, and
 * iteration over every record in file order.
 *
 * Nothing in the file is trusted. The header is checked once at open (every
 * non-empty table must lie between the header and the end of the file); each
 * slot and record is bounds-checked before it is used, and a lookup probes at
 * most as many slots as its table has, so a damaged file gives a
 * CdbCorruptError, never an out-of-bounds read or an endless probe loop.
 *
 * The API is synchronous: a lookup is a few pread calls of a few dozen bytes,
 * cheaper than a round trip through the event loop, and callers (per-message
 * lookups in users/cdb, IP rules) want the answer before going on.
 */
import { toBuffer, type Bytes } from './bytes.js';
import { CdbClosedError, CdbCorruptError } from './errors.js';
import { djbHash32, djbHash64, startSlot32, startSlot64, tableIndex, type Hash64 } from './hash.js';
import { layoutFor, readU32, TABLE_COUNT, type CdbFormat, type Layout } from './layout.js';
import { BufferSource, FileSource, type ByteSource } from './source.js';

export interface CdbReadOptions {
  /** 'cdb' (classic 32-bit, the default) or 'cdb64'. Files carry no magic number, so this cannot be detected. */
  format?: CdbFormat;
}

/** Slots fetched per read while probing: enough for nearly every lookup in a table with 2× slots. */
const SLOT_BATCH = 8;
/**
 * A matching slot's record is read with this much read-ahead, so that a
 * short value comes in with the key (one pread instead of two); longer
 * records get a buffer of their own.
 */
const RECORD_SCRATCH_SIZE = 1024;
/** Read-ahead window of a full scan. */
const SCAN_CHUNK_SIZE = 64 * 1024;

/**
 * Called with each value found for a key; returns false to stop looking.
 * `inline` is the value itself when the read of the record header already
 * brought it in (a view, valid only during the call).
 */
type Visit = (valuePosition: number, valueLength: number, inline: Buffer | undefined) => boolean;

export class CdbReader {
  readonly format: CdbFormat;
  private source: ByteSource | undefined;
  private readonly layout: Layout;
  private readonly tablePos = new Float64Array(TABLE_COUNT);
  private readonly tableSlots = new Float64Array(TABLE_COUNT);
  /** End of the record area: where the first hash table starts. */
  private readonly dataEnd: number;
  private readonly slotScratch: Buffer;
  private readonly recordScratch = Buffer.allocUnsafe(RECORD_SCRATCH_SIZE);
  private readonly hash: Hash64 = { hi: 0, lo: 0 };

  /** Opens a database file. Lookups read it with pread; it is not loaded into memory. */
  static open(path: string, options: CdbReadOptions = {}): CdbReader {
    const layout = layoutFor(options.format);
    return new CdbReader(new FileSource(path), layout);
  }

  /** A reader over a database held in memory. Values returned are copies. */
  static fromBuffer(data: Uint8Array, options: CdbReadOptions = {}): CdbReader {
    return new CdbReader(new BufferSource(data), layoutFor(options.format));
  }

  private constructor(source: ByteSource, layout: Layout) {
    this.source = source;
    this.layout = layout;
    this.format = layout.format;
    this.slotScratch = Buffer.allocUnsafe(SLOT_BATCH * layout.pairSize);
    try {
      this.dataEnd = this.readHeader(source);
    } catch (e) {
      source.close();
      throw e;
    }
  }

  /** File size in bytes. */
  get size(): number {
    return this.live().size;
  }

  /** The first value stored under key (in insertion order), or undefined. */
  get(key: Bytes): Buffer | undefined {
    let value: Buffer | undefined;
    this.find(toBuffer(key), (position, length, inline) => {
      value = this.copyValue(position, length, inline);
      return false;
    });
    return value;
  }

  /** Every value stored under key, in the order they were added (djb's cdb_findnext). */
  getAll(key: Bytes): Buffer[] {
    const values: Buffer[] = [];
    this.find(toBuffer(key), (position, length, inline) => {
      values.push(this.copyValue(position, length, inline));
      return true;
    });
    return values;
  }

  has(key: Bytes): boolean {
    let found = false;
    this.find(toBuffer(key), () => {
      found = true;
      return false;
    });
    return found;
  }

  /** Every [key, value] record in file order (the order they were added), duplicates included. */
  *entries(): Generator<[Buffer, Buffer]> {
    const { pairSize, wordSize, headerSize, readWord } = this.layout;
    // Records are read through a window of SCAN_CHUNK_SIZE bytes: two
    // preads per record would make a full scan syscall-bound.
    const scratch = Buffer.allocUnsafe(SCAN_CHUNK_SIZE);
    let chunk: Buffer = scratch.subarray(0, 0);
    let chunkStart = headerSize;
    const view = (position: number, length: number): Buffer => {
      if (position + length > chunkStart + chunk.length) {
        chunkStart = position;
        chunk = this.live().read(position, Math.max(length, Math.min(SCAN_CHUNK_SIZE, this.dataEnd - position)), scratch);
      }
      return chunk.subarray(position - chunkStart, position - chunkStart + length);
    };
    for (let position = headerSize; position < this.dataEnd; ) {
      this.live();
      this.checkRecord(position, pairSize, this.dataEnd, 'record header');
      const prefix = view(position, pairSize);
      const keyLength = readWord(prefix, 0);
      const valueLength = readWord(prefix, wordSize);
      this.checkRecord(position, pairSize + keyLength + valueLength, this.dataEnd, 'record');
      const body = Buffer.from(view(position + pairSize, keyLength + valueLength));
      yield [body.subarray(0, keyLength), body.subarray(keyLength)];
      position += pairSize + keyLength + valueLength;
    }
  }

  [Symbol.iterator](): Generator<[Buffer, Buffer]> {
    return this.entries();
  }

  /** Closes the file. Further use throws CdbClosedError; closing twice is harmless. */
  close(): void {
    const source = this.source;
    this.source = undefined;
    source?.close();
  }

  private copyValue(position: number, length: number, inline: Buffer | undefined): Buffer {
    return inline === undefined ? this.live().copy(position, length) : Buffer.from(inline);
  }

  private live(): ByteSource {
    if (this.source === undefined) throw new CdbClosedError('cdb reader is closed');
    return this.source;
  }

  /** Loads and checks the 256 table entries; returns the end of the record area. */
  private readHeader(source: ByteSource): number {
    const { headerSize, pairSize, wordSize, readWord } = this.layout;
    if (source.size < headerSize) {
      throw new CdbCorruptError(source.name, 0, `file is ${source.size} bytes, shorter than the ${headerSize}-byte header`);
    }
    const header = source.copy(0, headerSize);
    let firstTable = Infinity;
    for (let t = 0; t < TABLE_COUNT; t++) {
      const position = readWord(header, t * pairSize);
      const slots = readWord(header, t * pairSize + wordSize);
      if (slots === 0) continue; // an empty table's position means nothing and is never read
      if (position < headerSize) {
        throw new CdbCorruptError(source.name, t * pairSize, `hash table ${t} at ${position} lies inside the header`);
      }
      if (position + slots * pairSize > source.size) {
        throw new CdbCorruptError(
          source.name,
          t * pairSize,
          `hash table ${t} (${slots} slots at ${position}) extends past the end of the file (${source.size} bytes)`,
        );
      }
      this.tablePos[t] = position;
      this.tableSlots[t] = slots;
      firstTable = Math.min(firstTable, position);
    }
    if (firstTable !== Infinity) return firstTable;
    // No records are indexed. djb-style writers still put the end of the data
    // in entry 0; some cdb64 writers leave it 0, meaning no data at all.
    const end = readWord(header, 0);
    if (end > source.size) {
      throw new CdbCorruptError(source.name, 0, `end of data ${end} is past the end of the file (${source.size} bytes)`);
    }
    return Math.max(end, headerSize);
  }

  private checkRecord(position: number, length: number, limit: number, what: string): void {
    if (position + length > limit) {
      const where = limit === this.dataEnd ? 'the end of the data area' : 'the end of the file';
      throw new CdbCorruptError(this.source?.name, position, `${what} (${length} bytes) extends past ${where} (${limit})`);
    }
  }

  /**
   * djb's cdb_find/cdb_findnext: probe the key's table from its start slot,
   * wrapping around, until an empty slot or `slots` probes; hand every record
   * whose hash and key match to visit.
   */
  private find(key: Buffer, visit: Visit): void {
    const source = this.live();
    const { pairSize, wordSize, headerSize, readWord } = this.layout;
    const wide = wordSize === 8;
    let lo: number;
    let hi = 0;
    if (wide) {
      djbHash64(key, this.hash);
      lo = this.hash.lo;
      hi = this.hash.hi;
    } else {
      lo = djbHash32(key);
    }
    const table = tableIndex(lo);
    const slots = this.tableSlots[table]!;
    if (slots === 0) return;
    const tablePos = this.tablePos[table]!;
    let slot = wide ? startSlot64(hi, lo, slots) : startSlot32(lo, slots);
    const prefixAndKey = pairSize + key.length;
    for (let remaining = slots; remaining > 0; ) {
      const batch = Math.min(SLOT_BATCH, remaining, slots - slot);
      const slotBytes = source.read(tablePos + slot * pairSize, batch * pairSize, this.slotScratch);
      for (let i = 0; i < batch; i++) {
        const offset = i * pairSize;
        const recordPos = readWord(slotBytes, offset + wordSize);
        if (recordPos === 0) return; // empty slot: the key is not further on
        if (readU32(slotBytes, offset) !== lo || (wide && readU32(slotBytes, offset + 4) !== hi)) continue;
        if (recordPos < headerSize) {
          throw new CdbCorruptError(source.name, tablePos + (slot + i) * pairSize, `slot points into the header (${recordPos})`);
        }
        this.checkRecord(recordPos, pairSize, source.size, 'record header');
        const readAhead = Math.max(prefixAndKey, RECORD_SCRATCH_SIZE);
        const head = source.read(recordPos, Math.min(readAhead, source.size - recordPos), this.recordScratch);
        const keyLength = readWord(head, 0);
        if (keyLength !== key.length) continue;
        const valueLength = readWord(head, wordSize);
        const recordLength = prefixAndKey + valueLength;
        this.checkRecord(recordPos, recordLength, source.size, 'record');
        if (!key.equals(head.subarray(pairSize, prefixAndKey))) continue;
        const inline = recordLength <= head.length ? head.subarray(prefixAndKey, recordLength) : undefined;
        if (!visit(recordPos + prefixAndKey, valueLength, inline)) return;
      }
      remaining -= batch;
      slot += batch;
      if (slot === slots) slot = 0;
    }
  }
}
