import t from 'tap';
import { chmodSync, chownSync, mkdirSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { run, scratchDir } from '@mailfront/testkit';
import { compileCacheDirectory, flushCompileCache, startCompileCache } from '../src/compile-cache.js';

const uid = process.geteuid!();

t.test('the default directory: per user under TMPDIR, created private', async (t) => {
  const tmp = scratchDir(t);
  const chosen = compileCacheDirectory({ TMPDIR: tmp }, uid);
  t.same(chosen, { status: 'enabled', directory: join(tmp, `mailfront-compile-cache-${uid}`) });
  t.equal(statSync(join(tmp, `mailfront-compile-cache-${uid}`)).mode & 0o777, 0o700);
  t.same(compileCacheDirectory({ TMPDIR: tmp }, uid), chosen, 'found again as it was left');
});

t.test('MAILFRONT_COMPILE_CACHE: a directory, or off', async (t) => {
  const dir = scratchDir(t);
  t.same(compileCacheDirectory({ MAILFRONT_COMPILE_CACHE: join(dir, 'cc') }, uid), { status: 'enabled', directory: join(dir, 'cc') });
  t.match(compileCacheDirectory({ MAILFRONT_COMPILE_CACHE: 'off' }, uid), { status: 'off' });
  t.match(compileCacheDirectory({ MAILFRONT_COMPILE_CACHE: '' }, uid), { status: 'off' });
  t.match(compileCacheDirectory({ MAILFRONT_COMPILE_CACHE: 'relative/dir' }, uid), { status: 'off', reason: /not an absolute path/ });
  t.match(compileCacheDirectory({ MAILFRONT_COMPILE_CACHE: join(dir, 'no/such/parent') }, uid), { status: 'off', reason: /cannot create/ });
});

t.test('an unsafe directory leaves the cache off', async (t) => {
  const dir = scratchDir(t);
  const open = join(dir, 'open');
  mkdirSync(open);
  chmodSync(open, 0o777);
  t.match(compileCacheDirectory({ MAILFRONT_COMPILE_CACHE: open }, uid), { status: 'off', reason: /writable by others/ });
  const link = join(dir, 'link');
  mkdirSync(join(dir, 'target'), { mode: 0o700 });
  symlinkSync(join(dir, 'target'), link);
  t.match(compileCacheDirectory({ MAILFRONT_COMPILE_CACHE: link }, uid), { status: 'off', reason: /not a directory/ }, 'a symbolic link is not followed');
  writeFileSync(join(dir, 'file'), '');
  t.match(compileCacheDirectory({ MAILFRONT_COMPILE_CACHE: join(dir, 'file') }, uid), { status: 'off', reason: /not a directory/ });
  t.match(compileCacheDirectory({ MAILFRONT_COMPILE_CACHE: dir }, uid + 1), { status: 'off', reason: new RegExp(`belongs to uid ${uid}, not ${uid + 1}`) }, "another user's directory");
  if (uid === 0) {
    const theirs = join(dir, 'theirs');
    mkdirSync(theirs, { mode: 0o700 });
    chownSync(theirs, 65534, 65534);
    t.match(compileCacheDirectory({ MAILFRONT_COMPILE_CACHE: theirs }, uid), { status: 'off', reason: /belongs to uid 65534/ });
  }
});

t.test('never /proc or /sys (enableCompileCache spins for ever there on Node 22 and 24)', async (t) => {
  t.match(compileCacheDirectory({ MAILFRONT_COMPILE_CACHE: '/proc/self' }, uid), { status: 'off', reason: /ordinary file system/ });
  t.match(compileCacheDirectory({ MAILFRONT_COMPILE_CACHE: '/proc/self/fd' }, uid), { status: 'off' });
  t.match(compileCacheDirectory({ MAILFRONT_COMPILE_CACHE: '/sys/kernel' }, uid), { status: 'off' });
});

t.test("Node's own variables win", async (t) => {
  t.match(startCompileCache({ NODE_DISABLE_COMPILE_CACHE: '1' }), { status: 'off', reason: /NODE_DISABLE_COMPILE_CACHE/ });
  t.same(startCompileCache({ NODE_COMPILE_CACHE: '/somewhere' }), { status: 'enabled', directory: '/somewhere' });
  t.match(startCompileCache({ MAILFRONT_COMPILE_CACHE: 'off' }), { status: 'off' });
});

t.test('a program started twice compiles once: the second start is served from the cache', async (t) => {
  const dir = scratchDir(t);
  const entry = join(dir, 'prog.mjs');
  await build({
    stdin: {
      contents: `import { startCompileCache } from ${JSON.stringify(join(import.meta.dirname, '../src/compile-cache.ts'))};
        const outcome = startCompileCache(process.env);
        console.log(JSON.stringify(outcome));
        await import('./body.mjs');`,
      resolveDir: dir,
      loader: 'ts',
    },
    outfile: entry,
    bundle: true,
    platform: 'node',
    format: 'esm',
    external: ['./body.mjs'],
    logLevel: 'warning',
  });
  writeFileSync(join(dir, 'body.mjs'), 'export const x = 1;\nconsole.log("body");\n');
  const cache = join(dir, 'cache');
  const env = { PATH: process.env.PATH, MAILFRONT_COMPILE_CACHE: cache, NODE_DEBUG_NATIVE: 'COMPILE_CACHE' };
  const first = await run(process.execPath, [entry], { env });
  t.equal(first.status, 0, first.stderr.toString());
  t.match(first.stdout.toString(), new RegExp(`^\\{"status":"enabled","directory":"${cache}"\\}\\nbody\\n$`));
  t.ok(readdirSync(cache).length > 0, 'the cache was written at exit');
  const second = await run(process.execPath, [entry], { env });
  t.match(second.stderr.toString(), /V8 code cache for ESM file:.*body\.mjs was accepted/);
  const off = await run(process.execPath, [entry], { env: { ...env, MAILFRONT_COMPILE_CACHE: '/proc/self' } });
  t.equal(off.status, 0, 'a /proc directory: off, and the program runs');
  t.match(off.stdout.toString(), /"status":"off"/);
});

t.test('in this process: enabled, and flushed on demand (before an exec)', async (t) => {
  const dir = scratchDir(t);
  t.same(startCompileCache({ MAILFRONT_COMPILE_CACHE: dir }), { status: 'enabled', directory: dir });
  await import('./fixtures/compiled-late.js');
  flushCompileCache();
  t.ok(readdirSync(dir).length > 0, 'something was written');
});
