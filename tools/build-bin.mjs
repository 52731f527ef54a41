#!/usr/bin/env node
// Bundles one binary package into a single executable ES module file with a
// shebang and no runtime dependencies, so `npm i -g @mailfront/<binary>`
// installs exactly one file.
//
// usage: node tools/build-bin.mjs ENTRY.ts OUTFILE.js   (run from the package)
import { build } from 'esbuild';
import { chmodSync } from 'node:fs';

const [entry, outfile] = process.argv.slice(2);
if (!entry || !outfile) {
  process.stderr.write('usage: build-bin.mjs ENTRY OUTFILE\n');
  process.exit(100);
}

await build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  // CommonJS dependencies such as minimist are wrapped into the ESM bundle.
  banner: { js: '#!/usr/bin/env node' },
  legalComments: 'none',
  logLevel: 'warning',
});
chmodSync(outfile, 0o755);
