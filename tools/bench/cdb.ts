/**
 * Benchmark: @mailfront/cdb64 against tinycdb's `cdb` (the C oracle), in the
 * same run, printed as ratios ours/C (below 1 = ours faster).
 *
 *   node tools/bench/run-ts.mjs tools/bench/cdb.ts [--records N] [--sample N] [--node-sample N] [--repeat N]
 *
 * What is measured (wall clock, median of --repeat runs where it says so):
 *  1. build: N records into a classic cdb.
 *     C:    `cdb -c db text` as one process (reads the cdbmake text file, writes, renames;
 *           tinycdb 0.78 does not fsync, ours does, so the ratio includes that cost).
 *     ours: (a) writeCdb() from records already in memory, in this process;
 *           (b) the same as C: parse the same text file, then writeCdb(), in this process.
 *     Neither includes a process start (cdb's is under 1 ms, noise next to the build).
 *  2. lookups, one process per lookup (how qmail-style programs use a cdb), started
 *     one after the other by a /bin/sh loop; /bin/true in the same loop gives the floor:
 *     C:    `cdb -q db key` per key, for a sample of keys.
 *     ours: `node bench.mjs --query db key` per key (Node start-up + open + get),
 *           for a smaller sample, because Node's start-up dominates.
 *  3. lookups, open per lookup, in process: ours CdbReader.open + get + close per key,
 *     the same sample as 2. The C figure it is set against is 2's (a process per key);
 *     the ratio shows what an in-process library saves over exec'ing a lookup tool.
 *  4. all N keys looked up in process with one open reader (pread), and with the file
 *     loaded into memory (fromBuffer): ours only (tinycdb has no batch lookup mode),
 *     printed as time per lookup.
 *  5. full scan: C `cdb -d db > /dev/null` vs ours iterating every record and
 *     writing the same dump text to /dev/null.
 *  6. cdb64: build and N in-process lookups, ours only (no C tool exists).
 *
 * NODE_EXTRA_CA_CERTS makes every Node start load extra certificates (~40 ms),
 * so it is removed from the environment of the processes we start.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CdbReader, formatCdbRecord, formatCdbText, parseCdbText, writeCdb } from '@mailfront/cdb64';

const CDB_TOOL = '/usr/bin/cdb';
const DEFAULTS = { records: 1_000_000, sample: 1000, 'node-sample': 100, repeat: 3 };
type Options = typeof DEFAULTS;

function parseArgs(argv: string[]): Options {
  const options = { ...DEFAULTS };
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i]!.replace(/^--/, '') as keyof Options;
    const value = Number(argv[i + 1]);
    if (!(name in DEFAULTS) || !Number.isInteger(value) || value < 1) throw new Error(`bad option ${argv[i]} ${argv[i + 1]}`);
    options[name] = value;
  }
  return options;
}

/** The child side of measurement 2: one lookup, value to stdout, exit 100 when absent (as cdb -q). */
function query(file: string, key: string): void {
  const db = CdbReader.open(file);
  const value = db.get(key);
  db.close();
  if (value === undefined) process.exit(100);
  writeSync(1, value);
}

/** A record set shaped like users/cdb or rules: short keys, short values. */
function makeRecords(count: number): [string, string][] {
  const records: [string, string][] = [];
  for (let i = 0; i < count; i++) records.push([`user${i}@example.org`, `${1000 + (i % 60000)}:${100 + (i % 7)}:/home/user${i}:-`]);
  return records;
}

function time(fn: () => void): number {
  const start = performance.now();
  fn();
  return performance.now() - start;
}

function median(fn: () => void, repeat: number): number {
  const times = Array.from({ length: repeat }, () => time(fn)).sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

const cleanEnv = { ...process.env };
delete cleanEnv.NODE_EXTRA_CA_CERTS;

function spawnOk(file: string, args: string[], stdio: 'pipe' | 'ignore' = 'pipe'): Buffer {
  const r = spawnSync(file, args, { env: cleanEnv, stdio: ['ignore', stdio, 'pipe'], maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`${file} ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  return r.stdout ?? Buffer.alloc(0);
}

const note = (text: string) => console.log(`   # ${text}`);
const fmt = (ms: number) => (ms >= 100 ? `${ms.toFixed(0)} ms` : `${ms.toFixed(2)} ms`);
const ratio = (ours: number, c: number) => `ours/C = ${(ours / c).toPrecision(2)}`;

function main(options: Options): void {
  const dir = mkdtempSync(join(tmpdir(), 'cdb-bench-'));
  try {
    run(options, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function run(options: Options, dir: string): void {
  const n = options.records;
  console.log(`cdb benchmark: node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}`);
  console.log(`NODE_EXTRA_CA_CERTS was ${process.env.NODE_EXTRA_CA_CERTS === undefined ? 'not set' : 'set; removed for the processes started here'}`);
  console.log(`${n} records, lookup samples of ${options.sample} (cdb -q, in-process open) and ${options['node-sample']} (node process)`);

  const records = makeRecords(n);
  const textFile = join(dir, 'records.txt');
  writeFileSync(textFile, formatCdbText(records));
  const cFile = join(dir, 'c.cdb');
  const oursFile = join(dir, 'ours.cdb');

  console.log('\n1. build (median of %d)', options.repeat);
  note('wall time to make the cdb file, process start-up excluded; C: one `cdb -c` process reading the text file');
  note('(tinycdb renames without fsync; ours fsyncs, and that is included)');
  const cBuild = median(() => spawnOk(CDB_TOOL, ['-c', cFile, textFile]), options.repeat);
  const oursBuild = median(() => writeCdb(oursFile, records), options.repeat);
  const oursBuildText = median(() => writeCdb(oursFile, parseCdbText(readFileSync(textFile))), options.repeat);
  const identical = readFileSync(cFile).equals(readFileSync(oursFile));
  console.log(`   C    cdb -c (text file → cdb)            ${fmt(cBuild)}`);
  console.log(`   ours writeCdb (records in memory)         ${fmt(oursBuild)}   ${ratio(oursBuild, cBuild)}`);
  console.log(`   ours parse text file + writeCdb           ${fmt(oursBuildText)}   ${ratio(oursBuildText, cBuild)}`);
  console.log(`   files byte-identical: ${identical ? 'yes' : 'NO'}`);

  const step = Math.max(1, Math.floor(n / options.sample));
  const sample = Array.from({ length: Math.min(options.sample, n) }, (_, i) => records[i * step]![0]);
  const nodeSample = sample.slice(0, options['node-sample']);

  console.log('\n2. one process per lookup');
  note('a /bin/sh loop starts one process per sampled key, one after the other; time per process, start-up included;');
  note('/bin/true in the same loop is the fork + exec floor; environment without NODE_EXTRA_CA_CERTS');
  const floor = perProcess(dir, sample, ['/bin/true']);
  const cQuery = perProcess(dir, sample, [CDB_TOOL, '-q', cFile]);
  const nodeQuery = perProcess(dir, nodeSample, [process.execPath, process.argv[1]!, '--query', oursFile]);
  console.log(`   /bin/true (fork + exec floor)             ${fmt(floor)}`);
  console.log(`   C    cdb -q db key                        ${fmt(cQuery)}`);
  console.log(`   ours node bench.mjs --query db key        ${fmt(nodeQuery)}   ${ratio(nodeQuery, cQuery)}  (Node start-up)`);

  console.log('\n3. open per lookup, in process');
  note('ours: CdbReader.open + get + close for each sampled key inside this process, set against a cdb -q process (2.)');
  let found = 0;
  const openEach = time(() => {
    for (const key of sample) {
      const db = CdbReader.open(oursFile);
      if (db.get(key) !== undefined) found++;
      db.close();
    }
  }) / sample.length;
  check(found === sample.length, 'every sampled key found');
  console.log(`   ours open + get + close, per lookup       ${fmt(openEach)}   ${ratio(openEach, cQuery)}  (vs a cdb -q process)`);

  console.log(`\n4. all ${n} keys, one open reader, in process`);
  note('ours only: tinycdb has no batch lookup mode; every key is looked up once, in insertion order');
  const all = lookAll(CdbReader.open(oursFile), records, 'cdb');
  console.log(`   ours open() then get() × ${n}              ${fmt(all)} = ${((all * 1000) / n).toFixed(2)} µs per lookup (pread)`);
  const inMemory = lookAll(CdbReader.fromBuffer(readFileSync(oursFile)), records, 'cdb');
  console.log(`   ours fromBuffer() then get() × ${n}        ${fmt(inMemory)} = ${((inMemory * 1000) / n).toFixed(2)} µs per lookup (file in memory)`);

  console.log('\n5. full scan (median of %d)', options.repeat);
  note('every record read in file order and written as cdbmake text to /dev/null; C: one `cdb -d` process');
  const cDump = median(() => spawnOk(CDB_TOOL, ['-d', cFile], 'ignore'), options.repeat);
  const oursDump = median(() => dumpTo('/dev/null', oursFile), options.repeat);
  console.log(`   C    cdb -d db > /dev/null                ${fmt(cDump)}`);
  console.log(`   ours iterate + dump text to /dev/null     ${fmt(oursDump)}   ${ratio(oursDump, cDump)}`);

  console.log('\n6. cdb64 (ours only)');
  note('the same records as a cdb64 file (no C tool writes this format): build, then every key looked up once');
  const file64 = join(dir, 'ours.cdb64');
  const build64 = median(() => writeCdb(file64, records, { format: 'cdb64' }), options.repeat);
  const all64 = lookAll(CdbReader.open(file64, { format: 'cdb64' }), records, 'cdb64');
  console.log(`   build ${fmt(build64)} (${(build64 / oursBuild).toFixed(2)} × classic); get() × ${n}: ${fmt(all64)} = ${((all64 * 1000) / n).toFixed(2)} µs per lookup`);
}

/**
 * Milliseconds per run of `command key` for each key, started one after the
 * other by a shell loop. Spawning from this process would fork a Node process
 * holding a million records, and that copy, not the program, would dominate.
 */
function perProcess(dir: string, keys: string[], command: string[]): number {
  const keyFile = join(dir, 'keys.txt');
  writeFileSync(keyFile, keys.map((k) => `${k}\n`).join(''));
  const loop = 'keys=$1; shift; while IFS= read -r k; do "$@" "$k" >/dev/null || exit 1; done < "$keys"';
  return time(() => spawnOk('/bin/sh', ['-c', loop, 'sh', keyFile, ...command])) / keys.length;
}

function lookAll(db: CdbReader, records: [string, string][], format: 'cdb' | 'cdb64'): number {
  let found = 0;
  const ms = time(() => {
    for (const [key] of records) if (db.get(key) !== undefined) found++;
  });
  db.close();
  check(found === records.length, `all ${format} keys found`);
  return ms;
}

function dumpTo(path: string, file: string): void {
  const db = CdbReader.open(file);
  const out = openSync(path, 'w');
  let parts: Buffer[] = [];
  let size = 0;
  for (const [k, v] of db) {
    const line = formatCdbRecord(k, v);
    parts.push(line);
    size += line.length;
    if (size > 1 << 16) {
      writeSync(out, Buffer.concat(parts));
      parts = [];
      size = 0;
    }
  }
  parts.push(Buffer.from('\n'));
  writeSync(out, Buffer.concat(parts));
  closeSync(out);
  db.close();
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`benchmark sanity check failed: ${what}`);
}

const args = process.argv.slice(2);
if (args[0] === '--query') query(args[1]!, args[2]!);
else main(parseArgs(args));
