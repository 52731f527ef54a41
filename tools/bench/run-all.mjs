#!/usr/bin/env node
// Runs every benchmark in tools/bench (npm run bench), one after another,
// each comparing ours with the C original in the same run. Benchmarks are
// never part of the tests: their figures depend on the machine and its load.
//
// usage: node tools/bench/run-all.mjs [--quick]
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
// Process start-up is part of what several benchmarks measure; Node's start
// roughly triples when NODE_EXTRA_CA_CERTS is set, so it is unset for all.
const env = { ...process.env };
delete env.NODE_EXTRA_CA_CERTS;
let failed = 0;
for (const file of readdirSync(here).filter((f) => f.endsWith('.ts')).sort()) {
  process.stdout.write(`\n== ${file} ==\n`);
  const r = spawnSync(process.execPath, [join(here, 'run-ts.mjs'), join(here, file), ...args], { stdio: 'inherit', env });
  if (r.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
