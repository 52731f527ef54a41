import t from 'tap';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chunk, describeFailure, fuzz, fuzzSettings, loadCorpus, mutate, prng } from '../src/fuzz.js';
import { scratchDir } from '../src/scratch.js';

t.test('settings from the environment, with defaults for nonsense', async (t) => {
  t.same(fuzzSettings({}), { seconds: 2, seed: 1, findings: undefined });
  t.same(fuzzSettings({ FUZZ_SECONDS: '60', FUZZ_SEED: '7', FUZZ_FINDINGS: '/tmp/x' }), { seconds: 60, seed: 7, findings: '/tmp/x' });
  t.same(fuzzSettings({ FUZZ_SECONDS: 'x', FUZZ_SEED: '1.5' }), { seconds: 2, seed: 1, findings: undefined });
});

t.test('the same seed gives the same inputs; chunks add up to the input', async (t) => {
  const seeds = [Buffer.from('EHLO x\r\nQUIT\r\n'), Buffer.from('1:a,')];
  const a = prng(5);
  const b = prng(5);
  for (let i = 0; i < 200; i++) {
    const x = mutate(a, seeds, ['DATA']);
    t.same(x, mutate(b, seeds, ['DATA']));
    t.same(Buffer.concat(chunk(a, x)), x);
    chunk(b, x);
  }
  t.equal(prng(0)(0), 0);
});

t.test('seeds run first; a failure stops the run and is saved', async (t) => {
  const dir = scratchDir(t);
  mkdirSync(join(dir, 'corpus'));
  writeFileSync(join(dir, 'corpus', 'b'), 'second');
  writeFileSync(join(dir, 'corpus', 'a'), 'first');
  writeFileSync(join(dir, 'corpus', '.hidden'), 'x');
  const seeds = loadCorpus(join(dir, 'corpus'));
  t.same(seeds.map(String), ['first', 'second']);
  const seen: string[] = [];
  const ok = await fuzz({ name: 'ok', seeds, run: async (input) => void seen.push(String(input)) }, { seconds: 0.05, seed: 1, findings: undefined });
  t.same(seen.slice(0, 2), ['first', 'second']);
  t.equal(ok.failures.length, 0);
  t.ok(ok.runs >= 2);
  const bad = await fuzz({ name: 'bad', seeds, run: async (input) => { if (String(input) === 'second') throw new Error('boom'); } }, { seconds: 5, seed: 1, findings: join(dir, 'out') });
  t.equal(bad.runs, 2);
  t.equal(bad.failures[0]!.error, 'boom');
  t.equal(readFileSync(bad.failures[0]!.file!, 'utf8'), 'second');
  t.match(describeFailure(bad.failures[0]!), /^boom; input \(6 bytes, saved as .*\): c2Vjb25k$/);
  const hung = await fuzz({ name: 'hang', seeds, hangMs: 20, run: () => new Promise(() => {}) }, { seconds: 5, seed: 1, findings: undefined });
  t.match(hung.failures[0]!.error, /hang/);
  t.notOk(existsSync(join(dir, 'nothing')));
});
