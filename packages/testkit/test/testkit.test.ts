import t from 'tap';
import { existsSync } from 'node:fs';
import { findTool, requireOracles, run, scratchDir } from '../src/index.js';

t.test('findTool finds sh and not a made-up name', async (t) => {
  t.match(findTool('sh'), /\/sh$/);
  t.equal(findTool('no-such-program-here'), undefined);
  t.equal(findTool('/bin/sh'), '/bin/sh');
  t.equal(findTool('/nonexistent/sh'), undefined);
});

t.test('requireOracles skips off CI and fails on CI', async (t) => {
  const calls: string[] = [];
  const sink = { skip: (m: string) => calls.push('skip ' + m), fail: (m: string) => calls.push('fail ' + m) };
  t.same(requireOracles(sink, ['sh'], { PATH: '/bin' }), { sh: '/bin/sh' });
  t.equal(requireOracles(sink, ['no-such-oracle'], { PATH: '/bin' }), undefined);
  t.equal(requireOracles(sink, ['no-such-oracle'], { PATH: '/bin', CI: 'true' }), undefined);
  t.match(calls, [/^skip .*no-such-oracle/, /^fail .*no-such-oracle/]);
});

t.test('scratchDir is removed at teardown', async (t) => {
  let dir = '';
  await t.test('inner', async (t) => {
    dir = scratchDir(t);
    t.ok(existsSync(dir));
  });
  t.notOk(existsSync(dir));
});

t.test('run collects output and status, and kills a hung program', async (t) => {
  const r = await run('/bin/sh', ['-c', 'cat; echo err >&2; exit 3'], { input: 'in' });
  t.equal(r.status, 3);
  t.equal(r.stdout.toString(), 'in');
  t.equal(r.stderr.toString(), 'err\n');
  const hung = await run('/bin/sleep', ['5'], { timeoutMs: 100 });
  t.ok(hung.timedOut);
  t.equal(hung.signal, 'SIGKILL');
  await t.rejects(run('/nonexistent/program', []));
});
