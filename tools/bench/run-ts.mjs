#!/usr/bin/env node
// Runs a TypeScript benchmark script: bundles it with esbuild into a temporary
// file (workspace packages are TypeScript source) and imports it.
//
// usage: node tools/bench/run-ts.mjs tools/bench/NAME.ts [ARGS...]
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bundleTs } from '../bundle-ts.mjs';

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  process.stderr.write('usage: run-ts.mjs FILE.ts [ARGS...]\n');
  process.exit(100);
}
// Inside the repository, so that what the bundle leaves to require() at run
// time (CommonJS dependencies of the test kit) resolves from node_modules.
const cache = join(dirname(fileURLToPath(import.meta.url)), '.cache');
mkdirSync(cache, { recursive: true });
const dir = mkdtempSync(join(cache, 'run-'));
const outfile = join(dir, 'bench.mjs');
try {
  await bundleTs(resolve(entry), outfile);
  process.argv = [process.argv[0], outfile, ...args];
  await import(pathToFileURL(outfile).href);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
