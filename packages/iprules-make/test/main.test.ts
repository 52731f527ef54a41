import t from 'tap';
import { chmodSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { CdbReader } from '@mailfront/cdb64';
import { scratchDir } from '@mailfront/testkit';
import { main } from '../src/main.js';

async function make(argv: string[], input?: string) {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (b) => (out += b));
  stderr.on('data', (b) => (err += b));
  stdin.end(input ?? '');
  const code = await main(argv, {}, { stdin, stdout, stderr });
  return { code, out, err: err.replace(/\[\d+\]/g, '[PID]') };
}

function lookup(cdb: string, key: string): string | undefined {
  const reader = CdbReader.fromBuffer(readFileSync(cdb));
  return reader.get(key)?.toString('latin1');
}

t.test('a directory compiles in the ipsvd format, silently', async (t) => {
  const dir = scratchDir(t);
  mkdirSync(join(dir, 'iprules'));
  writeFileSync(join(dir, 'iprules/127.0.0.1'), '+RELAYCLIENT=\n');
  const cdb = join(dir, 'iprules.cdb');
  const r = await make([join(dir, 'iprules'), cdb]);
  t.same(r, { code: 0, out: '', err: '' });
  t.equal(lookup(cdb, '127.0.0.1'), '+RELAYCLIENT=I');
  t.same(readdirSync(dir).sort(), ['iprules', 'iprules.cdb'], 'no temporary file left behind');
});

t.test('defaults: ./iprules and ./iprules.cdb', async (t) => {
  const dir = scratchDir(t);
  mkdirSync(join(dir, 'iprules'));
  writeFileSync(join(dir, 'iprules/0'), '');
  chmodSync(join(dir, 'iprules/0'), 0);
  const cwd = process.cwd();
  process.chdir(dir);
  t.teardown(() => process.chdir(cwd));
  t.equal((await make([])).code, 0);
  t.equal(lookup(join(dir, 'iprules.cdb'), '0'), 'D');
});

t.test('a file compiles in the tcprules format; - reads standard input', async (t) => {
  const dir = scratchDir(t);
  writeFileSync(join(dir, 'tcp'), '127.0.0.1:allow,RELAYCLIENT=""\n:deny\n');
  const cdb = join(dir, 'tcp.cdb');
  t.equal((await make([join(dir, 'tcp'), cdb])).code, 0);
  t.equal(lookup(cdb, '127.0.0.1'), '+RELAYCLIENT=\0');
  t.equal(lookup(cdb, ''), 'D\0');
  t.equal((await make(['-f', 'tcprules', '-', cdb], '10.:allow\n')).code, 0);
  t.equal(lookup(cdb, '10.'), '');
  t.equal(lookup(cdb, ''), undefined);
});

t.test('errors leave the old cdb as it was and exit 100', async (t) => {
  const dir = scratchDir(t);
  const rules = join(dir, 'tcp');
  const cdb = join(dir, 'tcp.cdb');
  writeFileSync(rules, '127.0.0.1:allow\n');
  await make([rules, cdb]);
  const before = readFileSync(cdb);
  writeFileSync(rules, '127.0.0.2:allow\n10.0:deny\n1.2.3.4:permit\n');
  const r = await make([rules, cdb]);
  t.equal(r.code, 100);
  t.equal(
    r.err,
    [
      `iprules-make[PID]: error: ${rules}:2: bad address "10.0": expected an IPv4 address (1.2.3.4), a prefix ending in a dot (10.0.), a range (1.2.3.10-20, 10.2-3.), =host, =.suffix, =, USER@ADDRESS or nothing`,
      `iprules-make[PID]: error: ${rules}:3: expected allow or deny after the address in "1.2.3.4:permit"`,
      `iprules-make[PID]: Fatal: 2 errors in ${rules}; ${cdb} left unchanged`,
      '',
    ].join('\n'),
  );
  t.same(readFileSync(cdb), before);
  t.same(readdirSync(dir).sort(), ['tcp', 'tcp.cdb']);
  const many = await make(['-', cdb], 'x\n'.repeat(150));
  t.match(many.err, /150 errors in all, only the first ones shown\n.*Fatal: 150 errors in -/);
  writeFileSync(rules, 'x\n');
  t.match((await make([rules, cdb])).err, /Fatal: 1 error in /);
});

t.test('warnings do not stop the build', async (t) => {
  const dir = scratchDir(t);
  const r = await make(['-', join(dir, 'x.cdb')], '1.2.3.4:allow\n1.2.3.4:deny\n');
  t.equal(r.code, 0);
  t.equal(r.err, 'iprules-make[PID]: Warning: (stdin):2: address "1.2.3.4" was already given on line 1: tcpserver uses the first rule only\n');
});

t.test('usage and system errors', async (t) => {
  const dir = scratchDir(t);
  mkdirSync(join(dir, 'd'));
  writeFileSync(join(dir, 'f'), '');
  const bad = await make(['-f', 'cdbmake', join(dir, 'd')]);
  t.equal(bad.code, 100);
  t.match(bad.err, /Fatal: unknown format "cdbmake": expected auto, ipsvd, tcprules; usage: iprules-make /);
  t.match((await make(['-f', 'tcprules', join(dir, 'd'), join(dir, 'x')])).err, /is a directory: the tcprules format needs a file/);
  t.match((await make(['--format=ipsvd', join(dir, 'f'), join(dir, 'x')])).err, /is not a directory: the ipsvd format needs a directory/);
  t.match((await make(['-f', 'ipsvd', '-', join(dir, 'x')])).err, /cannot be read from standard input/);
  t.equal((await make(['a', 'b', 'c'])).code, 100);
  const missing = await make([join(dir, 'none'), join(dir, 'x')]);
  t.equal(missing.code, 111);
  t.match(missing.err, /Fatal: unable to read .*none: ENOENT/);
  const unwritable = await make([join(dir, 'd'), join(dir, 'no/such/dir.cdb')]);
  t.equal(unwritable.code, 111);
  t.match(unwritable.err, /Fatal: unable to write .*no\/such\/dir\.cdb: .*; the old file, if any, is unchanged/);
  const help = await make(['--help']);
  t.equal(help.code, 0);
  t.match(help.out, /^Usage: iprules-make /);
});
