#!/usr/bin/env node
// Bundles one binary package into a single executable ES module file with a
// shebang and no runtime dependencies, so `npm i -g @mailfront/<binary>`
// installs exactly one file.
//
// The first statement of the bundle checks the runtime against the
// package's engines.node: on an older Node the program says so and exits
// 111 (temporary failure, so a supervisor or a sending MTA retries) instead
// of failing somewhere later with a TypeError.
//
// usage: node tools/build-bin.mjs ENTRY.ts OUTFILE.js   (run from the package)
import { build } from 'esbuild';
import { chmodSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';

const [entry, outfile] = process.argv.slice(2);
if (!entry || !outfile) {
  process.stderr.write('usage: build-bin.mjs ENTRY OUTFILE\n');
  process.exit(100);
}

const program = basename(outfile, '.js');
const engines = JSON.parse(readFileSync('package.json', 'utf8')).engines?.node;
const floor = /^>=(\d+)\.(\d+)$/.exec(engines ?? '');
if (!floor) {
  process.stderr.write(`build-bin.mjs: package.json needs engines.node as ">=MAJOR.MINOR", not ${JSON.stringify(engines)}\n`);
  process.exit(100);
}
const [major, minor] = [Number(floor[1]), Number(floor[2])];

// Plain old syntax on purpose: this must run on the runtimes it refuses. A
// function keeps its variable out of the bundle's top-level scope.
const runtimeCheck =
  `(function(){var v=process.versions.node.split(".").map(Number);` +
  `if(v[0]<${major}||v[0]===${major}&&v[1]<${minor}){` +
  `process.stderr.write("${program}["+process.pid+"]: Fatal: Node.js "+process.version+" is too old; ${program} needs Node.js ${major}.${minor} or later\\n");` +
  `process.exit(111)}})();`;

await build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: 'node',
  target: `node${major}.${minor}`,
  format: 'esm',
  // CommonJS dependencies such as minimist are wrapped into the ESM bundle.
  banner: { js: `#!/usr/bin/env node\n${runtimeCheck}` },
  legalComments: 'none',
  logLevel: 'warning',
});
chmodSync(outfile, 0o755);
