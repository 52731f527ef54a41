#!/usr/bin/env node
// npm run fuzz [-- TARGET...]: the fuzz harness run long. Each target is a
// tap test file that npm test also runs, for two seconds, as a smoke test;
// here FUZZ_SECONDS (default 300) is given to every target, coverage is
// off and tap's timeout too. FUZZ_SEED picks another sequence of inputs;
// FUZZ_FINDINGS (default ./fuzz-findings) keeps the input that failed.
// The bundles must be built (npm run build) for the binaries target.
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');
const TARGETS = {
  smtp: ['packages/mailfront', 'test/fuzz.test.ts', 'smtp'],
  qmtp: ['packages/mailfront', 'test/fuzz.test.ts', 'qmtp'],
  qmqp: ['packages/mailfront', 'test/fuzz.test.ts', 'qmqp'],
  pop3: ['packages/mailfront-pop3d', 'test/fuzz.test.ts', 'pop3'],
  cvm: ['packages/cvm', 'test/fuzz.test.ts', 'harness target'],
  binaries: ['test', 'e2e/fuzz-binaries.test.ts', 'binaries'],
};

const wanted = process.argv.slice(2);
for (const name of wanted) {
  if (!(name in TARGETS)) {
    console.error(`fuzz: unknown target ${name}; targets: ${Object.keys(TARGETS).join(' ')}`);
    process.exit(100);
  }
}
const env = {
  ...process.env,
  FUZZ_SECONDS: process.env.FUZZ_SECONDS ?? '300',
  FUZZ_FINDINGS: resolve(process.env.FUZZ_FINDINGS ?? 'fuzz-findings'),
};
const tap = join(ROOT, 'node_modules', '.bin', 'tap');
let failed = 0;
for (const [name, [dir, file, grep]] of Object.entries(TARGETS)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  console.log(`fuzz: ${name} for ${env.FUZZ_SECONDS} s (seed ${env.FUZZ_SEED ?? 1})`);
  const r = spawnSync(tap, ['--disable-coverage', '--timeout=0', '--reporter=tap', `--grep=${grep}`, file], { cwd: join(ROOT, dir), env, stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
console.log(failed === 0 ? 'fuzz: no failure' : `fuzz: ${failed} target(s) failed; inputs in ${env.FUZZ_FINDINGS}`);
process.exit(failed === 0 ? 0 : 1);
