#!/usr/bin/env node
// Reads the output of `npm test` (nx running tap in every project) on stdin
// and prints how many tests ran: test files and tap assertions, per project
// and summed, ending with the plain "tests: N passed, N failed" line that CI
// reads. With --require-fresh it exits 1 when a test task's output was
// replayed from the nx cache instead of run, or when no test ran at all: a
// clean clone must run every test.
//
// tap closes each project's run with `# { total: N, pass: N, fail: N, … }`
// (its root counts) and reports each file as `ok N - path.test.ts` at the
// start of a line; nx heads each task's output with `> nx run project:target`
// and adds `[local cache]` (or `[remote cache]`, `[existing outputs match
// the cache…]`) when it replays it.
import { createInterface } from 'node:readline';

const requireFresh = process.argv.includes('--require-fresh');
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;
const TASK = /^> nx run (\S+):(\S+)(.*)$/;
const COUNTS = /^# \{ (total: \d+.*) \}$/;
const FILE = /^(not )?ok \d+ - \S+\.test\.[cm]?[jt]s\b(.*)$/;

const projects = new Map();
let current;

for await (const raw of createInterface({ input: process.stdin })) {
  const line = raw.replace(ANSI, '').trimEnd();
  const task = TASK.exec(line);
  if (task) {
    current = task[2] === 'test' ? { name: task[1], replayed: /cache/.test(task[3]), files: 0, failedFiles: 0, skippedFiles: 0, pass: 0, fail: 0, skip: 0, todo: 0 } : undefined;
    if (current) projects.set(current.name, current);
    continue;
  }
  if (!current) continue;
  const file = FILE.exec(line);
  if (file) {
    current.files++;
    if (file[1]) current.failedFiles++;
    else if (/# SKIP/i.test(file[2])) current.skippedFiles++;
    continue;
  }
  const counts = COUNTS.exec(line);
  if (counts) {
    for (const field of counts[1].split(', ')) {
      const [key, value] = field.split(': ');
      if (key in current && key !== 'name') current[key] += Number(value);
    }
  }
}

const all = [...projects.values()];
const sum = (key) => all.reduce((n, p) => n + p[key], 0);
for (const p of all) {
  const extra = [p.fail && `${p.fail} failed`, p.skip && `${p.skip} skipped`, p.todo && `${p.todo} todo`, p.replayed && 'REPLAYED FROM THE NX CACHE']
    .filter(Boolean)
    .join(', ');
  process.stdout.write(`${p.name}: ${p.files} test files, ${p.pass} assertions passed${extra ? `, ${extra}` : ''}\n`);
}
const replayed = all.filter((p) => p.replayed);
process.stdout.write(
  `${all.length} projects, ${sum('files')} test files (${sum('failedFiles')} failed, ${sum('skippedFiles')} skipped), ` +
    `${replayed.length} replayed from the nx cache\n`,
);
process.stdout.write(`tests: ${sum('pass')} passed, ${sum('fail')} failed, ${sum('skip')} skipped\n`);

if (requireFresh && replayed.length > 0) {
  process.stderr.write(`test-summary: replayed, not run: ${replayed.map((p) => p.name).join(' ')}\n`);
  process.exit(1);
}
if (requireFresh && sum('files') === 0) {
  process.stderr.write('test-summary: no test ran\n');
  process.exit(1);
}
