import t from 'tap';
import { join } from 'node:path';
import { scratchDir } from '@mailfront/testkit';
import { buildCdb, CdbReader, CdbWriter, djbHash64 } from '../src/index.js';
import { randomRecords, TRICKY, valuesByKey } from './helpers/records.js';

const HEADER = 4096;
const entry = (db: Buffer, t: number) => [Number(db.readBigUInt64LE(t * 16)), Number(db.readBigUInt64LE(t * 16 + 8))];

t.test('round trip through a file, duplicates included', async (t) => {
  const records = [...TRICKY, ...randomRecords(5000, 64)];
  const file = join(scratchDir(t), 'db.cdb64');
  const w = CdbWriter.create(file, { format: 'cdb64' });
  t.equal(w.format, 'cdb64');
  for (const [k, v] of records) w.put(k, v);
  w.finish();
  const db = CdbReader.open(file, { format: 'cdb64' });
  t.teardown(() => db.close());
  let wrong = 0;
  for (const { key, values: want } of valuesByKey(records).values()) {
    const got = db.getAll(key);
    if (got.length !== want.length || got.some((v, i) => !v.equals(want[i]!))) wrong++;
  }
  t.equal(wrong, 0);
  t.same(db.getAll('dup').map(String), ['first', 'second', 'third']);
  t.same([...db], records);
});

t.test('layout: empty tables are (end of previous table, 0); header[0].pos is the end of the data', async (t) => {
  // Only table 5 ("" → 5381) and table 129 ("one") are used: 254 tables are empty.
  const db = buildCdb([['one', 'x'], ['', 'y'], ['one', 'z']], { format: 'cdb64' });
  const dataEnd = HEADER + (16 + 4) + (16 + 1) + (16 + 4);
  t.same(entry(db, 0), [dataEnd, 0]);
  t.same(entry(db, 5), [dataEnd, 2]);
  t.same(entry(db, 6), [dataEnd + 32, 0]);
  t.same(entry(db, 129), [dataEnd + 32, 4], 'two records with the same key: four slots');
  t.same(entry(db, 255), [db.length, 0]);
  // Empty slots are all zero (pos 0), used ones hold the full 64-bit hash.
  const table129 = db.subarray(dataEnd + 32);
  const hash = djbHash64(Buffer.from('one'));
  const used = [0, 1, 2, 3].filter((s) => table129.readBigUInt64LE(s * 16 + 8) !== 0n);
  t.equal(used.length, 2);
  for (const s of [0, 1, 2, 3].filter((s) => !used.includes(s))) t.equal(table129.readBigUInt64LE(s * 16), 0n);
  for (const s of used) t.equal(table129.readBigUInt64LE(s * 16), (BigInt(hash.hi) << 32n) | BigInt(hash.lo));
  const reader = CdbReader.fromBuffer(db, { format: 'cdb64' });
  t.same(reader.getAll('one').map(String), ['x', 'z']);
  t.equal(reader.get('missing'), undefined, 'a missing key in an empty table');
});

t.test('reads cdb64-rs style files: empty tables written as (0, 0)', async (t) => {
  const records = [...TRICKY, ...randomRecords(20, 3)];
  const db = buildCdb(records, { format: 'cdb64' });
  for (let i = 0; i < 256; i++) if (entry(db, i)[1] === 0) db.fill(0, i * 16, i * 16 + 16);
  t.equal(entry(db, 0)[0], 0, 'table 0 is empty and now (0, 0)');
  const reader = CdbReader.fromBuffer(db, { format: 'cdb64' });
  t.same([...reader], records, 'iteration ends at the first table, not at header[0].pos');
  t.same(reader.getAll('dup').map(String), ['first', 'second', 'third']);

  const empty = Buffer.alloc(HEADER); // every entry (0, 0): no data at all
  t.same([...CdbReader.fromBuffer(empty, { format: 'cdb64' })], []);
  t.equal(CdbReader.fromBuffer(empty, { format: 'cdb64' }).get(''), undefined);
});

t.test('a slot is empty when its position is 0, whatever its hash field says', async (t) => {
  const db = buildCdb([['one', 'x']], { format: 'cdb64' });
  const [pos] = entry(db, 129);
  // "one" starts probing at slot 1, where the writer put it. Move the record
  // to slot 0 and leave slot 1 with the right hash but position 0: the probe
  // must stop there as at an empty slot (not follow position 0 into the header).
  db.copy(db, pos!, pos! + 16, pos! + 32);
  db.writeBigUInt64LE(0n, pos! + 24);
  const reader = CdbReader.fromBuffer(db, { format: 'cdb64' });
  t.equal(reader.get('one'), undefined);
  t.same([...reader].map(([k]) => String(k)), ['one'], 'the record itself is intact');
});

t.test('the formats are not interchangeable', async (t) => {
  const db64 = buildCdb(TRICKY, { format: 'cdb64' });
  const db32 = buildCdb(TRICKY);
  t.not(db64.length, db32.length);
  t.equal(CdbReader.fromBuffer(db64, { format: 'cdb64' }).get('one')?.toString(), 'Hello');
  t.equal(CdbReader.fromBuffer(db32).get('one')?.toString(), 'Hello');
});
