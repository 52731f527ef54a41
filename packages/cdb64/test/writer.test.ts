import t, { type Test } from 'tap';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scratchDir } from '@mailfront/testkit';
import {
  buildCdb,
  CDB32_MAX_FILE_SIZE,
  CDB64_MAX_FILE_SIZE,
  CdbClosedError,
  CdbReader,
  CdbTooLargeError,
  CdbWriter,
  MemorySink,
  writeCdb,
  type CdbFormat,
  type CdbSink,
} from '../src/index.js';
import { finishedFileSize, layoutFor } from '../src/layout.js';
import { listDir } from './helpers/files.js';
import { TRICKY } from './helpers/records.js';

const OLD = [['k', 'old']] as const;

/** A directory holding db.cdb with the OLD records; returns [dir, file, bytes]. */
function withOldFile(t: Test, format: CdbFormat = 'cdb'): [string, string, Buffer] {
  const dir = scratchDir(t);
  const file = join(dir, 'db.cdb');
  writeCdb(file, OLD, { format });
  return [dir, file, readFileSync(file)];
}

t.test('the file appears only at finish, complete, and nothing else is left', async (t) => {
  const [dir, file, old] = withOldFile(t);
  const w = CdbWriter.create(file);
  w.put('k', 'new');
  t.same(readFileSync(file), old, 'the old file is in place while writing');
  t.equal(listDir(dir).length, 2, 'a temporary file beside it');
  t.match(listDir(dir)[0], /^\.db\.cdb\.\d+\.[0-9a-f]{12}\.tmp$/);
  w.finish();
  t.same(listDir(dir), ['db.cdb']);
  t.equal(CdbReader.fromBuffer(readFileSync(file)).get('k')!.toString(), 'new');
  t.equal(w.count, 1);
});

t.test('abort (or a crash before finish) leaves the old file untouched', async (t) => {
  const [dir, file, old] = withOldFile(t);
  const w = CdbWriter.create(file);
  for (const [k, v] of TRICKY) w.put(k, v);
  // This is the state a crash leaves: the final name still holds the old file.
  t.same(readFileSync(file), old);
  w.abort();
  w.abort();
  t.same(readFileSync(file), old);
  t.same(listDir(dir), ['db.cdb'], 'temporary file removed');
  t.throws(() => w.put('a', 'b'), CdbClosedError);
  t.throws(() => w.finish(), /already aborted/);
});

t.test('an error while reading the records publishes nothing', async (t) => {
  const [dir, file, old] = withOldFile(t);
  function* failing(): Generator<[string, string]> {
    yield ['a', 'b'];
    throw new Error('source failed');
  }
  t.throws(() => writeCdb(file, failing()), /source failed/);
  t.same(readFileSync(file), old);
  t.same(listDir(dir), ['db.cdb']);
});

t.test('a bad key aborts the writer', async (t) => {
  const [dir, file, old] = withOldFile(t);
  const w = CdbWriter.create(file);
  t.throws(() => w.put(undefined as unknown as string, 'v'), TypeError);
  t.throws(() => w.finish(), CdbClosedError);
  t.same(readFileSync(file), old);
  t.same(listDir(dir), ['db.cdb']);
});

t.test('a failed rename (the name is a directory) removes the temporary file', async (t) => {
  const dir = scratchDir(t);
  const target = join(dir, 'db.cdb');
  mkdirSync(target);
  writeFileSync(join(target, 'keep'), 'x');
  t.throws(() => writeCdb(target, TRICKY), { code: /^(EISDIR|ENOTEMPTY|EEXIST)$/ });
  t.same(listDir(dir), ['db.cdb']);
  t.same(listDir(target), ['keep']);
});

t.test('create fails cleanly where no file can be made', async (t) => {
  const dir = scratchDir(t);
  t.throws(() => CdbWriter.create(join(dir, 'no', 'such', 'db.cdb')), { code: 'ENOENT' });
  t.same(listDir(dir), []);
});

t.test('I/O errors from the sink abort it and reach the caller', async (t) => {
  for (const failAt of ['write', 'commit'] as const) {
    const events: string[] = [];
    const sink: CdbSink = {
      write: () => {
        events.push('write');
        if (failAt === 'write') throw Object.assign(new Error('no space'), { code: 'ENOSPC' });
      },
      commit: () => {
        events.push('commit');
        throw Object.assign(new Error('no space'), { code: 'ENOSPC' });
      },
      abort: () => events.push('abort'),
    };
    const w = new CdbWriter(sink);
    w.put('small', 'record'); // buffered, nothing written yet
    if (failAt === 'write') t.throws(() => w.put('huge', Buffer.alloc(1 << 20)), { code: 'ENOSPC' });
    else t.throws(() => w.finish(), { code: 'ENOSPC' });
    t.equal(events.filter((e) => e === 'abort').length, 1, `${failAt}: aborted once`);
    t.equal(events.at(-1), 'abort');
    t.throws(() => w.put('a', 'b'), CdbClosedError);
  }
});

t.test('large records bypass the write buffer and land in the right place', async (t) => {
  const records: [Buffer, Buffer][] = [
    [Buffer.from('a'), Buffer.alloc(100_000, 1)],
    [Buffer.from('big'), Buffer.alloc(1 << 20, 2)],
    [Buffer.alloc(300_000, 3), Buffer.from('after')],
    [Buffer.from('b'), Buffer.alloc(200_000, 4)],
  ];
  for (const format of ['cdb', 'cdb64'] as const) {
    const db = CdbReader.fromBuffer(buildCdb(records, { format }), { format });
    t.same([...db], records, format);
  }
});

t.test('file mode', async (t) => {
  const dir = scratchDir(t);
  writeCdb(join(dir, 'a.cdb'), [], { mode: 0o600 });
  t.equal(statSync(join(dir, 'a.cdb')).mode & 0o777, 0o600);
  writeCdb(join(dir, 'b.cdb'), []);
  t.equal(statSync(join(dir, 'b.cdb')).mode & 0o777, 0o644 & ~process.umask(), 'default 0644, as cdb -c');
});

t.test('the size limit: 4 GiB for classic cdb, refused before an offset could wrap', async (t) => {
  const cdb = layoutFor('cdb');
  t.equal(CDB32_MAX_FILE_SIZE, 2 ** 32 - 1);
  t.equal(CDB64_MAX_FILE_SIZE, Number.MAX_SAFE_INTEGER);
  // The check the writer makes before each record, at the real boundary:
  // data ending at 2^32 - 17 with one record needs 16 bytes of table: fits exactly.
  t.equal(finishedFileSize(cdb, 2 ** 32 - 17, 1), 2 ** 32 - 1);
  t.ok(finishedFileSize(cdb, 2 ** 32 - 16, 1) > CDB32_MAX_FILE_SIZE);
  t.equal(finishedFileSize(layoutFor('cdb64'), 4096 + 24, 1), 4096 + 24 + 32);
});

t.test('a lowered limit: the record that crosses it fails, nothing is published', async (t) => {
  const [dir, file, old] = withOldFile(t);
  // header 2048 + record (8+1+1) + 2 slots (16) = 2074 for one record
  const w = CdbWriter.create(file, { maxFileSize: 2074 + 26 - 1 });
  w.put('a', 'b');
  const e = t.throws(() => w.put('c', 'd'), CdbTooLargeError) as unknown as CdbTooLargeError;
  t.equal(e.limit, 2099);
  t.equal(e.needed, 2100);
  t.match(e.message, /2100 bytes, over its size limit of 2099 bytes/);
  t.same(readFileSync(file), old);
  t.same(listDir(dir), ['db.cdb']);

  t.equal(buildCdb([['a', 'b']], { maxFileSize: 2074 }).length, 2074, 'exactly at the limit is allowed');
  t.throws(() => buildCdb([['a', 'b']], { maxFileSize: 2073 }), CdbTooLargeError);
  t.throws(() => buildCdb([['a', 'b']], { format: 'cdb64', maxFileSize: 4096 + 18 + 32 - 1 }), CdbTooLargeError);
  t.equal(buildCdb([['a', 'b']], { format: 'cdb64', maxFileSize: 4096 + 18 + 32 }).length, 4146);
});

t.test('bad options are refused before any file is created', async (t) => {
  const dir = scratchDir(t);
  const file = join(dir, 'db.cdb');
  t.throws(() => CdbWriter.create(file, { maxFileSize: 2 ** 32 }), RangeError, 'cdb cannot be raised past 4 GiB');
  t.throws(() => CdbWriter.create(file, { maxFileSize: 100 }), RangeError, 'below the header');
  t.throws(() => CdbWriter.create(file, { maxFileSize: 3000.5 }), RangeError);
  t.throws(() => CdbWriter.create(file, { format: 'cdb32' as CdbFormat }), TypeError);
  t.same(listDir(dir), []);
  let aborted = false;
  t.throws(() => new CdbWriter({ write() {}, commit() {}, abort: () => (aborted = true) }, { maxFileSize: -1 }), RangeError);
  t.ok(aborted, 'a sink given to a writer with bad options is aborted');
});

t.test('MemorySink grows and can be dropped', async (t) => {
  const sink = new MemorySink();
  sink.write(Buffer.from('abc'), 200_000);
  sink.write(Buffer.from('x'), 0);
  t.equal(sink.contents().length, 200_003);
  t.equal(sink.contents()[0], 0x78);
  sink.abort();
  t.equal(sink.contents().length, 0);
});
