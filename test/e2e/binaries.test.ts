// Every binary package, after `npm run build`, is one executable file that
// answers --help and --version, and is linked into node_modules/.bin so that
// `npx <binary>` works from the repository root.
import t from 'tap';
import { accessSync, constants, readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { run } from '@mailfront/testkit';

const root = resolve(import.meta.dirname, '../..');
const packagesDir = join(root, 'packages');

interface BinaryPackage {
  name: string;
  version: string;
  bin: string;
  file: string;
}

const binaries: BinaryPackage[] = readdirSync(packagesDir).flatMap((dir) => {
  const pkg = JSON.parse(readFileSync(join(packagesDir, dir, 'package.json'), 'utf8'));
  return Object.entries((pkg.bin ?? {}) as Record<string, string>).map(([bin, file]) => ({
    name: pkg.name as string,
    version: pkg.version as string,
    bin,
    file: join(packagesDir, dir, file),
  }));
});

t.test('binary packages follow the layout', async (t) => {
  for (const b of binaries) {
    t.equal(b.file, join(packagesDir, b.name.replace('@mailfront/', ''), 'dist', `${b.bin}.js`), `${b.bin}: dist/<binary>.js`);
  }
  t.pass(`${binaries.length} binaries found`);
});

for (const b of binaries) {
  t.test(b.bin, async (t) => {
    t.ok(existsSync(b.file), 'bundle exists');
    accessSync(b.file, constants.X_OK);
    t.match(readFileSync(b.file, 'utf8').slice(0, 20), /^#!\/usr\/bin\/env node\n/, 'shebang');
    const link = join(root, 'node_modules/.bin', b.bin);
    const version = await run(link, ['--version']);
    t.equal(version.status, 0);
    t.equal(version.stdout.toString(), `${b.bin} ${b.version}\n`);
    const help = await run('npx', ['--no-install', b.bin, '--help'], { cwd: root });
    t.equal(help.status, 0, 'npx from the root');
    t.match(help.stdout.toString(), new RegExp(`^Usage: ${b.bin} `));
  });
}
