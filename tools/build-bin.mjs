#!/usr/bin/env node
// Bundles one binary package into an executable ES module file with a
// shebang and no runtime dependencies, so `npm i -g @mailfront/<binary>`
// installs the package's own files and nothing else.
//
// Code that a program loads only on demand (a dynamic import(), such as the
// mailauth plugin's library) goes into a chunk file beside the bundle, so
// that a session that never uses it does not pay for parsing it. A binary
// without such imports is still exactly one file.
//
// The first statement of the bundle checks the runtime against the
// package's engines.node: on an older Node the program says so and exits
// 111 (temporary failure, so a supervisor or a sending MTA retries) instead
// of failing somewhere later with a TypeError.
//
// usage: node tools/build-bin.mjs ENTRY.ts OUTFILE.js   (run from the package)
import { build } from 'esbuild';
import { chmodSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { lazyBuiltins, REAL_REQUIRE } from './lazy-builtins.mjs';

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

const outdir = dirname(outfile);
// Chunks of an earlier build must not be packed with this one.
rmSync(join(outdir, 'chunks'), { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });

// The file a runscript runs is a launcher: it turns on Node's compile cache
// (core's compile-cache.ts) and then imports the program, which esbuild
// puts in a chunk, so that the program is compiled with the cache on.
const launcher = {
  name: 'launcher',
  setup(build) {
    build.onResolve({ filter: /^launcher:/ }, (args) => ({ path: args.path, namespace: 'launcher' }));
    build.onLoad({ filter: /.*/, namespace: 'launcher' }, () => ({
      contents:
        "import { startCompileCache } from '@mailfront/core/compile-cache';\n" +
        'startCompileCache(process.env);\n' +
        `await import(${JSON.stringify(resolve(entry))});\n`,
      resolveDir: process.cwd(),
      loader: 'js',
    }));
  },
};

await build({
  entryPoints: [{ in: `launcher:${entry}`, out: program }],
  outdir,
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  platform: 'node',
  target: `node${major}.${minor}`,
  format: 'esm',
  // CommonJS dependencies such as minimist are wrapped into the ESM bundle;
  // those that require() Node's built-ins (mailauth's, prom-client's) need a
  // real require.
  banner: {
    js:
      `#!/usr/bin/env node\n${runtimeCheck}\n` +
      "import { createRequire as __bundleRequire } from 'node:module';\nconst require = __bundleRequire(import.meta.url);\n" +
      `const ${REAL_REQUIRE} = require;`,
  },
  plugins: [launcher, lazyBuiltins],
  legalComments: 'none',
  logLevel: 'warning',
});
chmodSync(outfile, 0o755);
