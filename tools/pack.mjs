#!/usr/bin/env node
// `npm run pack`: one tarball per binary package in dist/packages/, as npm
// would publish it (the bundle, README, LICENSE and package.json). The npm
// script has built the bundles already; each package's `prepack` builds its
// own bundle again, so that `npm pack` alone never makes a tarball without
// one. The tarballs install offline: `npm i -g ./dist/packages/<file>.tgz`.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
// --destination DIR: elsewhere than dist/packages (the packaging test uses it).
const at = process.argv.indexOf('--destination');
const DESTINATION = at === -1 ? join(ROOT, 'dist/packages') : resolve(process.argv[at + 1]);

/** The packages that publish a binary: a `bin` field and not private. */
function binaryPackages(root = ROOT) {
  return readdirSync(join(root, 'packages'))
    .map((name) => join(root, 'packages', name))
    .filter((dir) => {
      try {
        const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
        return manifest.bin !== undefined && manifest.private !== true;
      } catch {
        return false;
      }
    })
    .sort();
}

{
  mkdirSync(DESTINATION, { recursive: true });
  const workspaces = binaryPackages().flatMap((dir) => ['--workspace', relative(ROOT, dir)]);
  // npm_execpath: the npm running `npm run pack`, so the same one packs.
  const npm = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : ['npm'];
  const packed = JSON.parse(
    execFileSync(npm[0], [...npm.slice(1), 'pack', '--json', '--pack-destination', DESTINATION, ...workspaces], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    }).toString(),
  );
  if (process.argv.includes('--json')) process.stdout.write(JSON.stringify(packed));
  else {
    for (const p of packed) process.stdout.write(`${relative(ROOT, join(DESTINATION, p.filename))}  ${p.name}@${p.version}\n`);
    process.stdout.write(`\n${packed.length} packages. Install one with: npm i -g ./dist/packages/<file>.tgz\n`);
  }
}
