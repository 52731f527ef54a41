// Every binary package as npm would publish it: `npm run pack`'s tool gives
// one tarball per binary, of the bundle, README and LICENSE with no
// dependencies, which installs into an empty prefix without the network and
// without any other package, and whose binaries answer --help and --version
// there, on every supported Node line the machine has (the pinned one and
// those of tools/runtimes/), and refuse a Node below the floor (Debian's
// /usr/bin/node 20) with a clear message and exit 111. All packages are
// packed in one run and installed in another.
import t from 'tap';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { run, runtimeFloor, scratchDir, supportedRuntimes, tooOldRuntime } from '@mailfront/testkit';
import { ROOT } from '../helpers/paths.js';

/** The binaries the project publishes, one package each. */
const EXPECTED = [
  'cvm-pwfile',
  'cvm-qmail',
  'cvm-testclient',
  'greetwait',
  'iprules-make',
  'mailfront-pop3d',
  'mailfront-qmqpd',
  'mailfront-qmtpd',
  'mailfront-smtpd',
  'mailfront-tcpsvd',
  'proxy-env',
  'rblsmtpd',
];

/** The receivers, which can run the mailauth plugin. */
const RECEIVERS = ['mailfront-qmqpd', 'mailfront-qmtpd', 'mailfront-smtpd'];

interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  license?: string;
  description?: string;
  bin?: Record<string, string>;
  files?: string[];
  engines?: Record<string, string>;
  [field: string]: unknown;
}

const manifest = (dir: string): Manifest => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
const root = manifest(ROOT);
const packageDirs = readdirSync(join(ROOT, 'packages'))
  .map((name) => join(ROOT, 'packages', name))
  .filter((dir) => manifest(dir).bin);

/** npm itself: the one running the tests when there is one (npm test), else npm from PATH. */
function npm(): [string, string[]] {
  const cli = process.env.npm_execpath;
  return cli && /\.c?js$/.test(cli) ? [process.execPath, [cli]] : ['npm', []];
}

async function runNpm(args: string[], cwd: string) {
  const [file, pre] = npm();
  return run(file, [...pre, ...args], { cwd, timeoutMs: 120_000 });
}

interface Packed {
  name: string;
  version: string;
  filename: string;
  files: Array<{ path: string }>;
}

t.test('the binary packages', async (t) => {
  t.same(packageDirs.map((dir) => Object.keys(manifest(dir).bin!)).flat().sort(), EXPECTED, 'one package per binary, one binary each');
  for (const dir of packageDirs) {
    const m = manifest(dir);
    const bin = Object.keys(m.bin!)[0]!;
    t.same(m.bin, { [bin]: `dist/${bin}.js` }, `${bin}: bin`);
    t.same(m.files, ['dist', 'README.md', 'LICENSE'], `${bin}: files`);
    t.same(m.engines, { node: `>=${runtimeFloor().join('.')}` }, `${bin}: engines`);
    t.same(m.engines, root.engines, `${bin}: engines, the project's Node floor`);
    t.equal(m.license, 'MIT', `${bin}: license`);
    t.same(m.repository, { ...(root.repository as object), directory: `packages/${basename(dir)}` }, `${bin}: repository`);
    t.equal((m.scripts as Record<string, string>).prepack, 'npm run build', `${bin}: npm pack builds the bundle first`);
    t.ok(m.description, `${bin}: description`);
    t.notOk(m.private, `${bin}: publishable`);
  }
});

t.test('npm run pack, install into an empty prefix, run', async (t) => {
  const work = scratchDir(t, 'mailfront-pack-');
  // What `npm run pack` runs after the build, into a scratch directory.
  const packed = await run(process.execPath, [join(ROOT, 'tools/pack.mjs'), '--json', '--destination', work], { cwd: ROOT, timeoutMs: 300_000 });
  t.equal(packed.status, 0, 'the pack tool');
  if (packed.status !== 0) return t.comment(packed.stderr.toString());
  const tarballs: Packed[] = JSON.parse(packed.stdout.toString());
  t.equal(tarballs.length, EXPECTED.length, 'one tarball per package');
  for (const p of tarballs) {
    const bin = p.name.replace('@mailfront/', '');
    // Code loaded on demand (the mailauth plugin's library) is a chunk beside the bundle.
    const files = p.files.map((f) => f.path).sort();
    t.same(files.filter((f) => !/^dist\/chunks\/[\w-]+\.js$/.test(f)), ['LICENSE', 'README.md', `dist/${bin}.js`, 'package.json'], `${bin}: exactly the bundle and its chunks, README, LICENSE`);
    if (RECEIVERS.includes(bin)) t.ok(files.some((f) => /^dist\/chunks\/library-/.test(f)), `${bin}: the mailauth library chunk`);
  }

  const prefix = join(work, 'prefix');
  mkdirSync(prefix);
  const installed = await runNpm(
    ['install', '--global', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', ...tarballs.map((p) => join(work, p.filename))],
    work,
  );
  t.equal(installed.status, 0, 'npm install --global --offline');
  if (installed.status !== 0) return t.comment(installed.stderr.toString());
  const modules = join(prefix, 'lib/node_modules');
  t.same(readdirSync(modules).filter((name) => !name.startsWith('.')), ['@mailfront'], 'nothing but our packages');
  t.same(readdirSync(join(modules, '@mailfront')).sort(), EXPECTED, 'no dependency came along');
  for (const name of EXPECTED) {
    const m = manifest(join(modules, '@mailfront', name));
    for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies', 'bundleDependencies', 'bundledDependencies']) {
      t.same(Object.keys((m[field] as object | undefined) ?? {}), [], `${name}: no ${field}`);
    }
  }

  const empty = join(work, 'elsewhere');
  mkdirSync(empty);
  // Only the prefix and this node on PATH: the shebang's `env node` finds it.
  const envFor = (node: string) => ({ PATH: `${join(prefix, 'bin')}:${dirname(node)}:/usr/bin:/bin`, HOME: work });
  for (const { path: node, version: nodeVersion } of supportedRuntimes()) {
    for (const p of tarballs) {
      const bin = p.name.replace('@mailfront/', '');
      const version = await run(join(prefix, 'bin', bin), ['--version'], { env: envFor(node), cwd: empty });
      t.equal(version.stdout.toString(), `${bin} ${p.version}\n`, `${bin} --version on node ${nodeVersion}`);
      t.equal(version.status, 0);
      const help = await run(join(prefix, 'bin', bin), ['--help'], { env: envFor(node), cwd: empty });
      t.match(help.stdout.toString(), new RegExp(`^Usage: ${bin} `), `${bin} --help on node ${nodeVersion}`);
      t.equal(help.status, 0);
    }
    // The on-demand chunk loads from the installed package: an SPF check
    // against a name server that is not there is a temporary error.
    const smtp = await run(join(prefix, 'bin', 'mailfront-smtpd'), ['echo', 'mailauth', 'accept'], {
      env: { ...envFor(node), TCPREMOTEIP: '192.0.2.7', DNSCACHEIP: '127.0.0.1:9', MAILAUTH_DNS_TIMEOUT: '500ms', MAILAUTH_TEMPFAIL: '1' },
      cwd: empty,
      input: 'HELO c\r\nMAIL FROM:<a@example.test>\r\nQUIT\r\n',
    });
    t.match(smtp.stdout.toString(), /\r\n451 4\.4\.3 SPF: temporary DNS error, try again later\r\n/, `mailfront-smtpd with mailauth on node ${nodeVersion}`);
  }

  const old = tooOldRuntime();
  if (!old) return t.comment('no Node below the floor on this machine: the refusal is not checked');
  const floor = runtimeFloor().join('.');
  for (const p of tarballs) {
    const bin = p.name.replace('@mailfront/', '');
    const refused = await run(join(prefix, 'bin', bin), ['--version'], { env: envFor(old.path), cwd: empty });
    t.equal(refused.status, 111, `${bin} on node ${old.version}: exit 111`);
    t.equal(refused.stdout.toString(), '');
    t.match(refused.stderr.toString(), new RegExp(`^${bin}\\[\\d+\\]: Fatal: Node\\.js v${old.version.replace(/\./g, '\\.')} is too old; ${bin} needs Node\\.js ${floor.replace('.', '\\.')} or later\n$`), `${bin} on node ${old.version}: the refusal`);
  }
});
