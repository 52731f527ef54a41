import t, { type Test } from 'tap';
import { join } from 'node:path';
import { scratchDir } from '@mailfront/testkit';
import { buildCdb, CdbClosedError, CdbReader, writeCdb, type CdbFormat } from '../src/index.js';
import { randomRecords, TRICKY, valuesByKey, type Rec } from './helpers/records.js';

const FORMATS: CdbFormat[] = ['cdb', 'cdb64'];
const latin1 = (s: string) => Buffer.from(s, 'latin1');

/** Opens the same records both ways: from a file (pread) and from a buffer. */
function readers(t: Test, records: Rec[], format: CdbFormat): [string, CdbReader][] {
  const file = join(scratchDir(t), `db.${format}`);
  writeCdb(file, records, { format });
  const fromFile = CdbReader.open(file, { format });
  const fromBuffer = CdbReader.fromBuffer(buildCdb(records, { format }), { format });
  t.teardown(() => (fromFile.close(), fromBuffer.close()));
  return [
    ['file', fromFile],
    ['buffer', fromBuffer],
  ];
}

for (const format of FORMATS) {
  t.test(`${format}: every key finds all its values in insertion order`, async (t) => {
    const records = [...TRICKY, ...randomRecords(3000, 5)];
    for (const [how, db] of readers(t, records, format)) {
      t.equal(db.format, format);
      let wrong = 0;
      const byKey = valuesByKey(records);
      for (const { key, values: want } of byKey.values()) {
        if (!db.get(key)!.equals(want[0]!)) wrong++;
        const all = db.getAll(key);
        if (all.length !== want.length || all.some((v, i) => !v.equals(want[i]!))) wrong++;
        if (!db.has(key)) wrong++;
      }
      t.equal(wrong, 0, `${how}: ${byKey.size} keys`);
      t.same(db.getAll('dup').map(String), ['first', 'second', 'third'], `${how}: duplicates`);
      t.same(db.getAll('').map(String), ['', 'empty key, second value'], `${how}: empty key`);
      t.equal(db.get('empty value')!.length, 0, `${how}: empty value is found, not undefined`);
    }
  });

  t.test(`${format}: missing keys`, async (t) => {
    for (const [how, db] of readers(t, TRICKY, format)) {
      for (const key of ['missing', 'on', 'one ', 'ONE', 'dup\0', '\0']) {
        t.equal(db.get(key), undefined, `${how}: ${JSON.stringify(key)}`);
        t.same(db.getAll(key), []);
        t.equal(db.has(key), false);
      }
    }
  });

  t.test(`${format}: iteration gives every record in file order`, async (t) => {
    const records = [...TRICKY, ...randomRecords(500, 6)];
    for (const [how, db] of readers(t, records, format)) {
      t.same([...db], records, how);
      t.same([...db.entries()], records, how);
    }
    for (const [how, db] of readers(t, [], format)) t.same([...db], [], `${how}: empty database`);
  });

  t.test(`${format}: values are copies the caller owns`, async (t) => {
    for (const [how, db] of readers(t, TRICKY, format)) {
      const first = db.get('one')!;
      first.fill(0x21);
      t.equal(db.get('one')!.toString(), 'Hello', how);
      const [[key, value]] = [...db];
      key!.fill(0);
      value!.fill(0);
      t.equal(db.get('one')!.toString(), 'Hello', how);
    }
  });
}

t.test('string keys are latin1, not UTF-8', async (t) => {
  const db = CdbReader.fromBuffer(buildCdb([[Buffer.from([0xe9]), 'latin1 e-acute'], [Buffer.from('é'), 'utf-8 e-acute']]));
  t.equal(db.get('é')!.toString(), 'latin1 e-acute', 'one char code = one byte');
  t.equal(db.get(Buffer.from('é', 'utf8'))!.toString(), 'utf-8 e-acute');
  t.equal(db.get(latin1('\xc3\xa9'))!.toString(), 'utf-8 e-acute');
  t.equal(db.get(new Uint8Array([0xe9]))!.toString(), 'latin1 e-acute', 'a plain Uint8Array works too');
  t.throws(() => db.get(42 as unknown as string), TypeError);
  t.throws(() => db.get(null as unknown as string), /not null/);
});

t.test('long keys (beyond the reader scratch buffer) and long values', async (t) => {
  const records: Rec[] = [
    [Buffer.alloc(5000, 'k'), Buffer.alloc(300_000, 'v')],
    [Buffer.alloc(5000, 'k'), latin1('second')],
    [Buffer.alloc(4999, 'k'), latin1('shorter')],
  ];
  for (const format of FORMATS) {
    for (const [how, db] of readers(t, records, format)) {
      t.same(db.getAll(Buffer.alloc(5000, 'k')), [records[0]![1], records[1]![1]], `${format} ${how}`);
      t.equal(db.get(Buffer.alloc(4999, 'k'))!.toString(), 'shorter');
      t.equal(db.get(Buffer.alloc(5001, 'k')), undefined);
    }
  }
});

t.test('a reader keeps reading the file it opened when the name is replaced', async (t) => {
  const file = join(scratchDir(t), 'swap.cdb');
  writeCdb(file, [['k', 'old']]);
  const db = CdbReader.open(file);
  t.teardown(() => db.close());
  writeCdb(file, [['k', 'new']]);
  t.equal(db.get('k')!.toString(), 'old');
  const fresh = CdbReader.open(file);
  t.equal(fresh.get('k')!.toString(), 'new');
  fresh.close();
});

t.test('size, close and use after close', async (t) => {
  const data = buildCdb(TRICKY);
  const file = join(scratchDir(t), 'c.cdb');
  writeCdb(file, TRICKY);
  for (const db of [CdbReader.fromBuffer(data), CdbReader.open(file)]) {
    t.equal(db.size, data.length);
    const it = db.entries();
    it.next();
    db.close();
    db.close();
    t.throws(() => db.get('one'), CdbClosedError);
    t.throws(() => db.getAll('one'), CdbClosedError);
    t.throws(() => db.has('one'), CdbClosedError);
    t.throws(() => db.size, /closed/);
    t.throws(() => it.next(), CdbClosedError, 'an iteration in progress stops');
  }
});

t.test('open errors: missing file, unknown format', async (t) => {
  t.throws(() => CdbReader.open(join(scratchDir(t), 'nope.cdb')), { code: 'ENOENT' });
  t.throws(() => CdbReader.fromBuffer(buildCdb([]), { format: 'cdb128' as CdbFormat }), TypeError);
});

t.test('a million records', async (t) => {
  // Not a timing test (see tools/bench/cdb.ts): it shows the writer and reader
  // handle 10^6 records and that typed-array growth and table building stay right.
  const count = 1_000_000;
  const file = join(scratchDir(t), 'big.cdb');
  const value = latin1('value');
  writeCdb(file, (function* () {
    for (let i = 0; i < count; i++) yield [`key${i}`, value] as const;
  })());
  const db = CdbReader.open(file);
  t.teardown(() => db.close());
  let missing = 0;
  for (let i = 0; i < count; i += 997) if (db.get(`key${i}`)?.toString() !== 'value') missing++;
  t.equal(missing, 0);
  t.equal(db.get(`key${count}`), undefined);
  let n = 0;
  for (const _ of db) n++;
  t.equal(n, count);
});

t.test('fromBuffer takes a plain Uint8Array (e.g. a slice of a larger ArrayBuffer)', async (t) => {
  const data = buildCdb(TRICKY);
  const padded = new Uint8Array(data.length + 20);
  padded.set(data, 10);
  const db = CdbReader.fromBuffer(padded.subarray(10, 10 + data.length));
  t.equal(db.get('one')!.toString(), 'Hello');
  t.equal(db.size, data.length);
});
