// iprules-make's tcprules format against tcprules, and our cdb under the
// real tcpserver -x.
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LineClient, requireOracles, run, scratchDir, startUcspiServer } from '@mailfront/testkit';
import { dump, generateTcprules, OUR_IPRULES_MAKE } from './iprules-fixture.js';

t.test('generated rules files: byte-identical cdb to tcprules\'', async (t) => {
  const c = requireOracles(t, ['tcprules', 'cdb']);
  if (!c) return;
  const dir = scratchDir(t);
  for (const [seed, count] of [[11, 1], [12, 20], [13, 200], [14, 2000]] as const) {
    const text = generateTcprules(seed, count);
    const rules = join(dir, `rules${seed}`);
    writeFileSync(rules, text);
    const theirs = join(dir, `theirs${seed}.cdb`);
    const ours = join(dir, `ours${seed}.cdb`);
    const c1 = await run(c.tcprules, [theirs, theirs + '.tmp'], { input: text });
    t.equal(c1.status, 0, `tcprules ${c1.stderr}`);
    const c2 = await run(OUR_IPRULES_MAKE, [rules, ours]);
    t.equal(c2.status, 0, 'iprules-make');
    t.same(await dump(c.cdb, ours), await dump(c.cdb, theirs), `seed ${seed}, ${count} rules: same dump`);
    t.ok(readFileSync(ours).equals(readFileSync(theirs)), `seed ${seed}: same bytes`);
  }
});

t.test('rules tcprules refuses are refused too, and the old cdb stays', async (t) => {
  const c = requireOracles(t, ['tcprules']);
  if (!c) return;
  const dir = scratchDir(t);
  const cdb = join(dir, 'x.cdb');
  await run(OUR_IPRULES_MAKE, ['-', cdb], { input: '127.0.0.1:allow\n' });
  const before = readFileSync(cdb);
  for (const bad of ['9.9.9.9:allowjunk', '1.2.3.4:allow,X="1"x', '1.2.3.4:allow,X', '1.2.3.a-5:allow']) {
    const theirs = await run(c.tcprules, [cdb, join(dir, 'tmp')], { input: bad + '\n' });
    const ours = await run(OUR_IPRULES_MAKE, ['-', cdb], { input: bad + '\n' });
    t.equal(theirs.status, 100, `tcprules refuses ${bad}`);
    t.equal(ours.status, 100, `iprules-make refuses ${bad}`);
    t.match(ours.stderr.toString(), /error: \(stdin\):1: /);
  }
  t.ok(readFileSync(cdb).equals(before), 'unchanged');
});

const RULES = ['127.0.0.2:deny', '127.0.0.3:allow,RELAYCLIENT="",X="a,b"', '127.0.1.:allow,PREFIX="yes"', '127.0.0.4-6:deny', ':allow,CATCHALL="1"', ''].join('\n');
const SHOW_ENV = ['/bin/sh', '-c', 'echo "R=${RELAYCLIENT-unset} X=${X-unset} P=${PREFIX-unset} C=${CATCHALL-unset}"'];
const EXPECTED: Array<[string, string | null]> = [
  ['127.0.0.2', null],
  ['127.0.0.3', 'R= X=a,b P=unset C=unset'],
  ['127.0.1.7', 'R=unset X=unset P=yes C=unset'],
  ['127.0.0.5', null],
  ['127.0.0.9', 'R=unset X=unset P=unset C=1'],
];

t.test('tcpserver -x with our cdb allows, denies and sets variables as the rules say', async (t) => {
  const c = requireOracles(t, ['tcpserver', 'tcprules']);
  if (!c) return;
  const dir = scratchDir(t);
  writeFileSync(join(dir, 'tcp'), RULES);
  t.equal((await run(OUR_IPRULES_MAKE, ['tcp', 'tcp.cdb'], { cwd: dir })).status, 0);
  await run(c.tcprules, [join(dir, 'theirs.cdb'), join(dir, 'theirs.tmp')], { input: RULES });
  const ours = await startUcspiServer({ server: c.tcpserver, serverArgs: ['-x', join(dir, 'tcp.cdb')], program: SHOW_ENV });
  const theirs = await startUcspiServer({ server: c.tcpserver, serverArgs: ['-x', join(dir, 'theirs.cdb')], program: SHOW_ENV });
  t.teardown(async () => {
    await ours.stop();
    await theirs.stop();
  });
  const firstLine = async (port: number, from: string) => {
    const client = await LineClient.connect(port, '127.0.0.1', from);
    try {
      return await client.readLine();
    } finally {
      client.close();
    }
  };
  for (const [from, expected] of EXPECTED) {
    const got = await firstLine(ours.port, from);
    t.equal(got, expected, `client ${from}`);
    t.equal(got, await firstLine(theirs.port, from), `client ${from}: same as with tcprules' cdb`);
  }
});
