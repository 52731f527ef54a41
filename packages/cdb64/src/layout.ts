/**
 * The on-disk geometry of the two formats. Both are djb's layout: a header of
 * 256 (table position, slot count) entries, then the records
 * (klen, dlen, key, data) back to back, then the 256 hash tables of
 * (hash, record position) slots. Classic cdb uses 32-bit little-endian words
 * throughout; cdb64 uses 64-bit ones, so every structure doubles in size.
 *
 * There is no magic number: which layout a file has is the caller's choice
 * (by convention `.cdb` vs `.cdb64`).
 */

export type CdbFormat = 'cdb' | 'cdb64';

/** Number of sub-tables, selected by the low byte of the hash. */
export const TABLE_COUNT = 256;
/** Writers give each table twice as many slots as it has records (djb, tinycdb, cdb64 libraries). */
export const SLOTS_PER_RECORD = 2;
/** Largest classic cdb: every offset, including the end of the file, must fit a u32. */
export const CDB32_MAX_FILE_SIZE = 0xffff_ffff;
/** Largest cdb64 this implementation writes: offsets are JavaScript numbers, exact up to 2^53 - 1. */
export const CDB64_MAX_FILE_SIZE = Number.MAX_SAFE_INTEGER;

const TWO_POW_32 = 0x1_0000_0000;

export interface Layout {
  readonly format: CdbFormat;
  /** Size of one integer field: 4 or 8 bytes. */
  readonly wordSize: number;
  /** TABLE_COUNT header entries of two words. */
  readonly headerSize: number;
  /** A record's (klen, dlen) prefix; also the size of a header entry and of a slot. */
  readonly pairSize: number;
  readonly maxFileSize: number;
  /** Reads an unsigned word. 64-bit values beyond 2^53 come back inexact but still larger than any file. */
  readWord(buf: Uint8Array, offset: number): number;
  writeWord(buf: Uint8Array, offset: number, value: number): void;
}

export function readU32(buf: Uint8Array, offset: number): number {
  return (buf[offset]! | (buf[offset + 1]! << 8) | (buf[offset + 2]! << 16) | (buf[offset + 3]! << 24)) >>> 0;
}

export function writeU32(buf: Uint8Array, offset: number, value: number): void {
  buf[offset] = value & 0xff;
  buf[offset + 1] = (value >>> 8) & 0xff;
  buf[offset + 2] = (value >>> 16) & 0xff;
  buf[offset + 3] = (value >>> 24) & 0xff;
}

function readU64(buf: Uint8Array, offset: number): number {
  return readU32(buf, offset + 4) * TWO_POW_32 + readU32(buf, offset);
}

function writeU64(buf: Uint8Array, offset: number, value: number): void {
  writeU32(buf, offset, value >>> 0);
  writeU32(buf, offset + 4, Math.floor(value / TWO_POW_32));
}

function makeLayout(format: CdbFormat, wordSize: number, maxFileSize: number, word: Pick<Layout, 'readWord' | 'writeWord'>): Layout {
  const pairSize = 2 * wordSize;
  return Object.freeze({ format, wordSize, pairSize, headerSize: TABLE_COUNT * pairSize, maxFileSize, ...word });
}

export const CDB32_LAYOUT: Layout = makeLayout('cdb', 4, CDB32_MAX_FILE_SIZE, { readWord: readU32, writeWord: writeU32 });
export const CDB64_LAYOUT: Layout = makeLayout('cdb64', 8, CDB64_MAX_FILE_SIZE, { readWord: readU64, writeWord: writeU64 });

export function layoutFor(format: CdbFormat = 'cdb'): Layout {
  if (format === 'cdb') return CDB32_LAYOUT;
  if (format === 'cdb64') return CDB64_LAYOUT;
  throw new TypeError(`unknown cdb format ${JSON.stringify(format)} (expected 'cdb' or 'cdb64')`);
}

/** Bytes a record takes in the data area. */
export function recordSize(layout: Layout, keyLength: number, valueLength: number): number {
  return layout.pairSize + keyLength + valueLength;
}

/**
 * The size of the finished file once `records` records end at `dataEnd`:
 * the data area plus SLOTS_PER_RECORD slots per record. The writer checks this
 * against the limit before every record, so a database that will not fit
 * fails on the record that crosses the line and never produces a wrapped offset.
 */
export function finishedFileSize(layout: Layout, dataEnd: number, records: number): number {
  return dataEnd + records * SLOTS_PER_RECORD * layout.pairSize;
}
