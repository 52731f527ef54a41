// iprules-make against ipsvd-cdb, and our cdb under the real tcpsvd -x.
import t from 'tap';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LineClient, requireOracles, run, scratchDir, startUcspiServer } from '@mailfront/testkit';
import { dump, generateIpsvdDirectory, OUR_IPRULES_MAKE } from './iprules-fixture.js';

t.ok(existsSync(OUR_IPRULES_MAKE), 'iprules-make is built (npm run build)');

t.test('generated directories: the cdb -d dump of ours equals ipsvd-cdb\'s', async (t) => {
  const c = requireOracles(t, ['ipsvd-cdb', 'cdb']);
  if (!c) return;
  const dir = scratchDir(t);
  for (const [seed, count] of [[1, 1], [2, 10], [3, 60], [4, 300], [5, 1000]] as const) {
    const rules = generateIpsvdDirectory(join(dir, `rules${seed}`), seed, count);
    const theirs = join(dir, `theirs${seed}.cdb`);
    const ours = join(dir, `ours${seed}.cdb`);
    const c1 = await run(c['ipsvd-cdb'], [theirs, theirs + '.tmp', rules]);
    t.equal(c1.status, 0, `ipsvd-cdb ${c1.stderr}`);
    const c2 = await run(OUR_IPRULES_MAKE, ['-f', 'ipsvd', rules, ours]);
    t.equal(c2.status, 0, `iprules-make ${c2.stderr}`);
    // Same records; ipsvd-cdb writes them in readdir order, we in name order.
    t.same((await dump(c.cdb, ours)).sort(), (await dump(c.cdb, theirs)).sort(), `seed ${seed}, ${count} entries`);
  }
  const empty = join(dir, 'empty');
  mkdirSync(empty);
  await run(c['ipsvd-cdb'], [join(dir, 'e1.cdb'), join(dir, 'e1.tmp'), empty]);
  await run(OUR_IPRULES_MAKE, [empty, join(dir, 'e2.cdb')]);
  t.same(await dump(c.cdb, join(dir, 'e2.cdb')), await dump(c.cdb, join(dir, 'e1.cdb')), 'empty directory');
});

/** A rules directory with one entry per behaviour, and what a client from each address must see. */
function behaviours(dir: string): Array<[string, string | null]> {
  const entry = (name: string, text: string, mode: number) => {
    writeFileSync(join(dir, name), text);
    chmodSync(join(dir, name), mode);
  };
  mkdirSync(dir);
  entry('127.0.0.2', '', 0o000);
  entry('127.0.0.3', '+RELAYCLIENT=\n+SMTPAUTH=1\n+DROPME\n', 0o644);
  entry('127.0.0.4', 'echo "554 no service for you"\n', 0o755);
  entry('127.0.1', '# prefix\n+PREFIX=yes\n', 0o644);
  entry('127.0.0.5', '+BEFORE=1\n=0\n+AFTER=1\n', 0o644);
  entry('0', '+CATCHALL=1\n', 0o644);
  const line = (r: string, s: string, d: string, p: string, c: string, b = 'unset', a = 'unset') =>
    `R=${r} S=${s} D=${d} P=${p} C=${c} B=${b} A=${a}`;
  return [
    ['127.0.0.2', null],
    ['127.0.0.3', line('', '1', 'unset', 'unset', 'unset')],
    ['127.0.0.4', '554 no service for you'],
    ['127.0.1.9', line('unset', 'unset', 'parent', 'yes', 'unset')],
    ['127.0.0.5', line('unset', 'unset', 'parent', 'unset', 'unset', '1')],
    ['127.0.0.9', line('unset', 'unset', 'parent', 'unset', '1')],
  ];
}

const SHOW_ENV = ['/bin/sh', '-c', 'echo "R=${RELAYCLIENT-unset} S=${SMTPAUTH-unset} D=${DROPME-unset} P=${PREFIX-unset} C=${CATCHALL-unset} B=${BEFORE-unset} A=${AFTER-unset}"'];

async function firstLine(port: number, from: string): Promise<string | null> {
  const client = await LineClient.connect(port, '127.0.0.1', from);
  try {
    return await client.readLine();
  } finally {
    client.close();
  }
}

t.test('tcpsvd -x with our cdb allows, denies, runs and sets variables as the rules say', async (t) => {
  const c = requireOracles(t, ['tcpsvd', 'ipsvd-cdb']);
  if (!c) return;
  const dir = scratchDir(t);
  const cases = behaviours(join(dir, 'iprules'));
  const made = await run(OUR_IPRULES_MAKE, [], { cwd: dir });
  t.equal(made.status, 0, 'iprules-make with its defaults');
  await run(c['ipsvd-cdb'], [join(dir, 'theirs.cdb'), join(dir, 'theirs.tmp'), join(dir, 'iprules')]);
  const env = { ...process.env, DROPME: 'parent' };
  const ours = await startUcspiServer({ server: c.tcpsvd, serverArgs: ['-v', '-x', join(dir, 'iprules.cdb')], program: SHOW_ENV, env });
  const theirs = await startUcspiServer({ server: c.tcpsvd, serverArgs: ['-x', join(dir, 'theirs.cdb')], program: SHOW_ENV, env });
  t.teardown(async () => {
    await ours.stop();
    await theirs.stop();
  });
  for (const [from, expected] of cases) {
    const got = await firstLine(ours.port, from);
    t.equal(got, expected, `client ${from}`);
    t.equal(got, await firstLine(theirs.port, from), `client ${from}: same as with ipsvd-cdb's cdb`);
  }
  t.match(ours.log(), /deny \d+ mx\.test:127\.0\.0\.1 ::127\.0\.0\.2:\d+ .*iprules\.cdb\/127\.0\.0\.2/);
});
