/**
 * Differential tests against the C tools: tinycdb's `cdb` (byte-exact
 * output, reading each other's files), djb's tcprules and ipsvd-cdb (files
 * made by other djb-style writers).
 */
import t from 'tap';
import { mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { requireOracles, run, scratchDir } from '@mailfront/testkit';
import { buildCdb, CdbReader, formatCdbText, parseCdbText, writeCdb } from '../src/index.js';
import { distinctKeys, randomRecords, TRICKY, valuesByKey, type Rec } from './helpers/records.js';
import { referenceEncode } from './helpers/reference.js';

const SETS: Record<string, Rec[]> = {
  tricky: TRICKY,
  random: randomRecords(4000, 2024),
  'long values': randomRecords(50, 3, 5000),
  single: [[Buffer.from('one'), Buffer.from('Hello')]],
  empty: [],
};

/** tinycdb's `cdb -c` on the cdbmake text of `records`; returns the file's bytes. */
async function tinycdbMake(cdb: string, dir: string, records: readonly Rec[]): Promise<Buffer> {
  const file = join(dir, 'c.cdb');
  const r = await run(cdb, ['-c', file], { input: formatCdbText(records) });
  if (r.status !== 0) throw new Error(`cdb -c failed: ${r.stderr}`);
  return readFileSync(file);
}

t.test('tinycdb cdb -c and ours write the same bytes, and read each other', async (t) => {
  const tools = requireOracles(t, ['cdb']);
  if (!tools) return;
  const dir = scratchDir(t);
  for (const [name, records] of Object.entries(SETS)) {
    const theirs = await tinycdbMake(tools.cdb, dir, records);
    t.same(buildCdb(records), theirs, `${name}: byte-identical`);
    t.same(referenceEncode(records, 32), theirs, `${name}: the naive test encoder agrees too`);
    const db = CdbReader.fromBuffer(theirs);
    t.same([...db], records, `${name}: iteration of their file`);
    let wrong = 0;
    for (const { key, values: want } of valuesByKey(records).values()) {
      const got = db.getAll(key);
      if (got.length !== want.length || got.some((v, i) => !v.equals(want[i]!))) wrong++;
    }
    t.equal(wrong, 0, `${name}: getAll on their file`);
  }
});

t.test('tinycdb reads ours: cdb -d dumps exactly our text format, cdb -q finds values', async (t) => {
  const tools = requireOracles(t, ['cdb']);
  if (!tools) return;
  const dir = scratchDir(t);
  const file = join(dir, 'ours.cdb');
  for (const [name, records] of Object.entries(SETS)) {
    writeCdb(file, records);
    const dump = await run(tools.cdb, ['-d', file]);
    t.equal(dump.status, 0);
    t.same(dump.stdout, formatCdbText(records), `${name}: cdb -d`);
    t.same([...parseCdbText(dump.stdout)], records, `${name}: parse of cdb -d`);
  }
  writeCdb(file, TRICKY);
  const q = async (...args: string[]) => run(tools.cdb, ['-q', ...args.slice(0, -1), file, args.at(-1)!]);
  t.equal((await q('one')).stdout.toString(), 'Hello');
  t.equal((await q('dup')).stdout.toString(), 'firstsecondthird', 'cdb -q prints every value');
  t.equal((await q('-n', '2', 'dup')).stdout.toString(), 'second');
  t.equal((await q('nul')).status, 100, 'a prefix of a key is not the key: exit 100');
  t.equal((await q('line\nfeed')).stdout.toString('latin1'), 'data\nwith\nnewlines\n');
  t.equal((await q('missing')).status, 100);
});

t.test('tinycdb accepts and rejects the same text as our parser', async (t) => {
  const tools = requireOracles(t, ['cdb']);
  if (!tools) return;
  const dir = scratchDir(t);
  const texts = ['+1,1:a->b\n\n', '+1,1:a->b\n', '+1,1:a-b\n\n', '+x,1:a->b\n\n', '+1,1:a->bc\n\n', '\n', '', '+01,1:a->b\n\n'];
  for (const text of texts) {
    const theirs = (await run(tools.cdb, ['-c', join(dir, 'x.cdb')], { input: text })).status === 0;
    let ours = true;
    try {
      [...parseCdbText(Buffer.from(text, 'latin1'))];
    } catch {
      ours = false;
    }
    t.equal(ours, theirs, JSON.stringify(text));
  }
});

t.test('reads tcprules output; ours is byte-identical for the same records', async (t) => {
  const tools = requireOracles(t, ['tcprules', 'cdb']);
  if (!tools) return;
  const dir = scratchDir(t);
  const rules = '127.0.0.1:allow,RELAYCLIENT=""\n10.0.:deny\n=mail.example.org:allow,X="a b"\n192.168.1.1-20:allow\n:allow\n';
  const cdbFile = join(dir, 'rules.cdb');
  const r = await run(tools.tcprules, [cdbFile, join(dir, 'rules.tmp')], { input: rules });
  t.equal(r.status, 0, r.stderr.toString());
  const theirs = readFileSync(cdbFile);
  const db = CdbReader.fromBuffer(theirs);
  const records = [...db];
  t.ok(records.length >= 5, `${records.length} records`);
  t.ok(db.has('127.0.0.1') && db.has('10.0.') && db.has('=mail.example.org') && db.has(''), 'the rule keys');
  t.ok(db.has('192.168.1.1') && db.has('192.168.1.20'), 'a range becomes one key per address');
  t.match(db.get('127.0.0.1')!.toString('latin1'), /RELAYCLIENT=/);
  const dump = await run(tools.cdb, ['-d', cdbFile]);
  t.same(formatCdbText(records), dump.stdout, 'iteration agrees with cdb -d');
  t.same(buildCdb(records), theirs, 'byte-identical to tcprules (djb cdb_make)');
});

t.test('reads ipsvd-cdb output; ours is byte-identical for the same records', async (t) => {
  const tools = requireOracles(t, ['ipsvd-cdb']);
  if (!tools) return;
  const dir = scratchDir(t);
  const rulesDir = join(dir, 'rules');
  mkdirSync(rulesDir);
  writeFileSync(join(rulesDir, '127.0.0.1'), '+RELAYCLIENT=\n+GREETING=hi there\n');
  writeFileSync(join(rulesDir, '10.0'), '');
  chmodSync(join(rulesDir, '10.0'), 0o000);
  writeFileSync(join(rulesDir, 'mail.example.org'), 'echo hello\n');
  chmodSync(join(rulesDir, 'mail.example.org'), 0o755);
  writeFileSync(join(rulesDir, '0'), '');
  const cdbFile = join(dir, 'rules.cdb');
  const r = await run(tools['ipsvd-cdb'], [cdbFile, join(dir, 'rules.tmp'), rulesDir]);
  t.equal(r.status, 0, r.stderr.toString());
  const theirs = readFileSync(cdbFile);
  const db = CdbReader.fromBuffer(theirs);
  const records = [...db];
  t.same(distinctKeys(records).map(String).sort(), ['0', '10.0', '127.0.0.1', 'mail.example.org']);
  t.match(db.get('127.0.0.1')!.toString('latin1'), /RELAYCLIENT=/);
  t.same(buildCdb(records), theirs, 'byte-identical to ipsvd-cdb');
});
