import t, { type Test } from 'tap';
import { truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scratchDir } from '@mailfront/testkit';
import { buildCdb, CdbCorruptError, CdbError, CdbReader, djbHash32, type CdbFormat } from '../src/index.js';
import { distinctKeys, prng, randomRecords, TRICKY } from './helpers/records.js';
import { BufferSource, FileSource } from '../src/source.js';

const FORMATS: CdbFormat[] = ['cdb', 'cdb64'];
const GEOMETRY = { cdb: { word: 4, header: 2048 }, cdb64: { word: 8, header: 4096 } } as const;

function putWord(db: Buffer, format: CdbFormat, offset: number, value: number): void {
  if (format === 'cdb') db.writeUInt32LE(value, offset);
  else db.writeBigUInt64LE(BigInt(value), offset);
}
function getWord(db: Buffer, format: CdbFormat, offset: number): number {
  return format === 'cdb' ? db.readUInt32LE(offset) : Number(db.readBigUInt64LE(offset));
}

/** Every way of using a reader: open, lookups of every key and a missing one, iteration. */
function useFully(db: Buffer, format: CdbFormat, keys: readonly Buffer[]): void {
  const reader = CdbReader.fromBuffer(db, { format });
  for (const key of keys) reader.getAll(key);
  reader.get('no such key');
  for (const _ of reader);
}

function corruptError(t: Test, fn: () => unknown, message: RegExp, label: string): void {
  try {
    fn();
    t.fail(`${label}: no error`);
  } catch (e) {
    t.type(e, CdbCorruptError, label);
    t.match((e as Error).message, message, label);
  }
}

for (const format of FORMATS) {
  const { word, header } = GEOMETRY[format];
  const pair = 2 * word;
  const opts = { format };
  const good = buildCdb(TRICKY, opts);
  const oneTable = djbHash32(Buffer.from('one')) & 0xff;
  const oneTablePos = getWord(good, format, oneTable * pair);

  t.test(`${format}: short files and a truncated header`, async (t) => {
    for (const size of [0, 1, header - 1]) {
      corruptError(t, () => CdbReader.fromBuffer(good.subarray(0, size), opts), new RegExp(`shorter than the ${header}-byte header`), `${size} bytes`);
    }
  });

  t.test(`${format}: every truncation of a database is caught when it is opened`, async (t) => {
    let caught = 0;
    for (let size = header; size < good.length; size++) {
      try {
        CdbReader.fromBuffer(good.subarray(0, size), opts);
      } catch (e) {
        if (e instanceof CdbCorruptError) caught++;
      }
    }
    t.equal(caught, good.length - header);
  });

  t.test(`${format}: header entries that point outside the file`, async (t) => {
    const past = Buffer.from(good);
    putWord(past, format, oneTable * pair, good.length);
    corruptError(t, () => CdbReader.fromBuffer(past, opts), new RegExp(`hash table ${oneTable} .* extends past the end`), 'table pos past EOF');
    const many = Buffer.from(good);
    putWord(many, format, oneTable * pair + word, 1_000_000);
    corruptError(t, () => CdbReader.fromBuffer(many, opts), /1000000 slots .* extends past the end/, 'slot count past EOF');
    const inHeader = Buffer.from(good);
    putWord(inHeader, format, oneTable * pair, 16);
    corruptError(t, () => CdbReader.fromBuffer(inHeader, opts), /lies inside the header/, 'table inside the header');
    if (format === 'cdb64') {
      const huge = Buffer.from(good);
      huge.writeBigUInt64LE(2n ** 64n - 1n, oneTable * pair + word);
      corruptError(t, () => CdbReader.fromBuffer(huge, opts), /extends past the end/, 'slot count beyond 2^53');
    }
    // No tables at all, and an end of data past the end of the file.
    const noTables = Buffer.alloc(header);
    putWord(noTables, format, 0, header + 1);
    corruptError(t, () => CdbReader.fromBuffer(noTables, opts), /end of data .* past the end/, 'end of data past EOF');
  });

  /** The slot holding "one" in a copy of the good database, and the copy. */
  function oneSlot(): [Buffer, number] {
    const db = Buffer.from(good);
    const slots = getWord(db, format, oneTable * pair + word);
    for (let s = 0; s < slots; s++) {
      const at = oneTablePos + s * pair;
      if (getWord(db, format, at + word) === header) return [db, at]; // "one" is the first record
    }
    throw new Error('slot not found');
  }

  t.test(`${format}: slots that point outside the records`, async (t) => {
    const [pastEof, at] = oneSlot();
    putWord(pastEof, format, at + word, good.length - 2);
    corruptError(t, () => CdbReader.fromBuffer(pastEof, opts).get('one'), /record header .* extends past the end of the file/, 'slot past EOF');
    const [intoHeader, at2] = oneSlot();
    putWord(intoHeader, format, at2 + word, 100);
    corruptError(t, () => CdbReader.fromBuffer(intoHeader, opts).get('one'), /slot points into the header \(100\)/, 'slot into header');
  });

  t.test(`${format}: record lengths past the end`, async (t) => {
    const longData = Buffer.from(good);
    putWord(longData, format, header + word, good.length);
    corruptError(t, () => CdbReader.fromBuffer(longData, opts).get('one'), /record \(\d+ bytes\) extends past the end of the file/, 'dlen past EOF');
    corruptError(t, () => [...CdbReader.fromBuffer(longData, opts)], /extends past the end of the data area/, 'dlen past EOF, iteration');
    const longKey = Buffer.from(good);
    putWord(longKey, format, header, 0xffff_fff0);
    t.equal(CdbReader.fromBuffer(longKey, opts).get('one'), undefined, 'a key of another length is simply not ours');
    corruptError(t, () => [...CdbReader.fromBuffer(longKey, opts)], /record .* extends past the end of the data area/, 'klen past EOF, iteration');
  });

  t.test(`${format}: a full table (no empty slot) ends after one round of probes`, async (t) => {
    // Legal by the format (any slot count >= entries works) and never written
    // by djb-style writers; C readers also stop after `slots` probes.
    const records = Array.from({ length: 6 }, (_, i) => [`k${i}`, `v${i}`] as const);
    const db = buildCdb(records, opts);
    // Collapse every table to exactly its used slots by rewriting the tables.
    const full = Buffer.from(db);
    for (let tb = 0; tb < 256; tb++) {
      const pos = getWord(full, format, tb * pair);
      const slots = getWord(full, format, tb * pair + word);
      const used = [];
      for (let s = 0; s < slots; s++) if (getWord(full, format, pos + s * pair + word) !== 0) used.push(Buffer.from(full.subarray(pos + s * pair, pos + (s + 1) * pair)));
      used.forEach((slot, s) => slot.copy(full, pos + s * pair));
      putWord(full, format, tb * pair + word, used.length);
    }
    const reader = CdbReader.fromBuffer(full, opts);
    for (const [k, v] of records) t.equal(reader.get(k)?.toString(), v, `${k} found`);
    for (const miss of ['k9', 'x', '', 'k00']) t.equal(reader.get(miss), undefined, `${miss} not found, no endless loop`);
    t.same(reader.getAll('k1').map(String), ['v1']);
  });

  t.test(`${format}: random damage gives CdbCorruptError or a result, never another error or a hang`, async (t) => {
    const records = [...TRICKY, ...randomRecords(40, 8, 12)];
    const base = buildCdb(records, opts);
    const keys = distinctKeys(records);
    const rand = prng(1234);
    const outcomes = { ok: 0, corrupt: 0 };
    for (let round = 0; round < 1500; round++) {
      const db = Buffer.from(base);
      for (let i = 0, n = 1 + Math.floor(rand() * 4); i < n; i++) {
        // Aim at structures as often as at random bytes: header, then anywhere.
        const at = Math.floor(rand() * (rand() < 0.5 ? header : db.length));
        db[at] = rand() < 0.3 ? 0xff : Math.floor(rand() * 256);
      }
      try {
        useFully(db, format, keys);
        outcomes.ok++;
      } catch (e) {
        if (!(e instanceof CdbCorruptError)) throw e;
        outcomes.corrupt++;
      }
    }
    t.ok(outcomes.corrupt > 100, `${outcomes.corrupt} damaged files refused`);
    t.ok(outcomes.ok > 100, `${outcomes.ok} damaged files still usable`);
  });
}

t.test('errors name the file, and a file truncated after open is caught', async (t) => {
  const dir = scratchDir(t);
  const file = join(dir, 'short.cdb');
  writeFileSync(file, Buffer.alloc(100));
  try {
    CdbReader.open(file);
    t.fail('opened');
  } catch (e) {
    t.type(e, CdbCorruptError);
    t.type(e, CdbError);
    t.equal((e as CdbCorruptError).file, file);
    t.equal((e as CdbCorruptError).offset, 0);
    t.equal((e as Error).message, `cdb file ${file} is corrupt: file is 100 bytes, shorter than the 2048-byte header (at offset 0)`);
    t.equal((e as Error).name, 'CdbCorruptError');
  }
  try {
    CdbReader.fromBuffer(Buffer.alloc(10));
  } catch (e) {
    t.equal((e as CdbCorruptError).file, undefined);
    t.match((e as Error).message, /^cdb buffer is corrupt: /);
  }

  const shrinking = join(dir, 'shrinking.cdb');
  writeFileSync(shrinking, buildCdb(TRICKY));
  const reader = CdbReader.open(shrinking);
  t.teardown(() => reader.close());
  truncateSync(shrinking, 2100);
  corruptError(t, () => reader.getAll('one'), /shorter than when it was opened/, 'truncated under an open reader');
});

t.test('the byte sources refuse reads outside the data themselves', async (t) => {
  // The reader checks before it reads; this is the second line of defence.
  const source = new BufferSource(Buffer.alloc(10));
  t.equal(source.read(2, 8).length, 8);
  t.throws(() => source.read(3, 8), CdbCorruptError);
  t.throws(() => source.read(-1, 2), CdbCorruptError);
  t.throws(() => source.copy(0, 11), /read \(11 bytes\) extends past the end of the file \(10 bytes\)/);
  const file = join(scratchDir(t), 'ten');
  writeFileSync(file, Buffer.alloc(10, 7));
  const fileSource = new FileSource(file);
  t.teardown(() => fileSource.close());
  t.same(fileSource.read(8, 2, Buffer.alloc(64)), Buffer.from([7, 7]), 'a result in (part of) the scratch buffer');
  t.throws(() => fileSource.read(9, 2), CdbCorruptError);
});
