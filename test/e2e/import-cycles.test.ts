// No import cycles anywhere in the packages' sources (tools/import-cycles.mjs).
import t from 'tap';
import { join } from 'node:path';
import { run } from '@mailfront/testkit';
import { ROOT } from '../helpers/paths.js';

const SCRIPT = join(ROOT, 'tools', 'import-cycles.mjs');

interface CycleTool {
  findCycles(graph: Map<string, Set<string>>): string[][];
}

t.test('the checker finds a cycle and ignores a diamond', async (t) => {
  const { findCycles } = (await import(SCRIPT)) as CycleTool;
  const g = (edges: Record<string, string[]>) => new Map(Object.entries(edges).map(([k, v]) => [join(ROOT, k), new Set(v.map((x) => join(ROOT, x)))]));
  t.same(findCycles(g({ a: ['b'], b: ['c'], c: ['a'], d: ['a'] })), [['a', 'b', 'c']]);
  t.same(findCycles(g({ a: ['b', 'c'], b: ['d'], c: ['d'], d: [] })), []);
  t.same(findCycles(g({ a: ['a'] })), [['a']]);
});

t.test('no package source is part of an import cycle', async (t) => {
  const r = await run(process.execPath, [SCRIPT], { timeoutMs: 60_000 });
  t.equal(r.stdout.toString().trim().split('\n').at(-1), 'no import cycles', r.stdout.toString());
  t.equal(r.status, 0);
});
