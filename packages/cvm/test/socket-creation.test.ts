// cvm-local's socket: created with its mode from the start, and nothing is
// ever done through a symbolic link planted at its path. The attacker's
// moment is simulated exactly: the first look at the path after the bind
// finds that the socket was swapped for a symbolic link to a victim file.
import t, { type Test } from 'tap';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { scratchDir } from '@mailfront/testkit';
import type * as ModuleLocal from '../src/module-local.js';
import { fakeModule } from './helpers/fake-module.js';

const log = { info: () => {}, warn: () => {}, fatal: () => {} };
const settings = (mode: number) => ({ mode, uid: process.getuid!(), gid: process.getgid!(), timeoutMs: 1000 });

/** module-local.ts with node:fs calls on `socket` that first swap a fresh socket for a link to `victim`. */
async function withSwap(t: Test, socket: string, victim: string) {
  let swapped = false;
  const swapFirst =
    <F extends (...args: never[]) => unknown>(real: F) =>
    (...args: Parameters<F>) => {
      if (!swapped && args[0] === socket && fs.lstatSync(socket, { throwIfNoEntry: false })?.isSocket()) {
        swapped = true;
        fs.unlinkSync(socket);
        fs.symlinkSync(victim, socket);
      }
      return real(...args);
    };
  const mocked = { ...fs, statSync: swapFirst(fs.statSync), lstatSync: swapFirst(fs.lstatSync), chmodSync: swapFirst(fs.chmodSync), chownSync: swapFirst(fs.chownSync), lchownSync: swapFirst(fs.lchownSync) };
  return t.mockImport<typeof ModuleLocal>('../src/module-local.js', { 'node:fs': mocked });
}

t.test('a symbolic link swapped in right after the bind: the server refuses and the target is untouched', async (t) => {
  const dir = scratchDir(t);
  const socket = join(dir, 'cvm.sock');
  const victim = join(dir, 'shadow');
  fs.writeFileSync(victim, 'root:secret\n', { mode: 0o600 });
  const { serveLocal } = await withSwap(t, socket, victim);
  const stop = new AbortController();
  const serving = serveLocal(fakeModule, socket, { lookupSecret: undefined }, settings(0o777), log, stop.signal);
  await t.rejects(serving, /replaced/);
  stop.abort();
  t.equal(fs.statSync(victim).mode & 0o777, 0o600, 'the target kept its mode');
  t.equal(fs.readFileSync(victim, 'utf8'), 'root:secret\n', 'and its contents');
});

t.test('the socket has its mode from the bind on, no chmod needed; removed at the end', async (t) => {
  const dir = scratchDir(t);
  const socket = join(dir, 'cvm.sock');
  const { serveLocal } = await t.mockImport<typeof ModuleLocal>('../src/module-local.js', {
    'node:fs': { ...fs, chmodSync: () => t.fail('chmod by path') },
  });
  const stop = new AbortController();
  const serving = serveLocal(fakeModule, socket, { lookupSecret: undefined }, settings(0o640), { ...log, info: () => stop.abort() }, stop.signal);
  await serving;
  t.notOk(fs.existsSync(socket), 'removed at the end');
  const again = new AbortController();
  let mode = 0;
  await serveLocal(fakeModule, socket, { lookupSecret: undefined }, settings(0o600), { ...log, info: () => ((mode = fs.statSync(socket).mode & 0o777), again.abort()) }, again.signal);
  t.equal(mode, 0o600);
});

t.test('anything but a socket at the path is never removed', async (t) => {
  const dir = scratchDir(t);
  const { serveLocal, SocketInUseError } = await t.mockImport<typeof ModuleLocal>('../src/module-local.js', {});
  const file = join(dir, 'file');
  fs.writeFileSync(file, 'keep me');
  const link = join(dir, 'link');
  fs.symlinkSync(file, link);
  for (const path of [file, link]) {
    await t.rejects(serveLocal(fakeModule, path, { lookupSecret: undefined }, settings(0o777), log, new AbortController().signal), SocketInUseError);
  }
  t.equal(fs.readFileSync(file, 'utf8'), 'keep me');
  t.ok(fs.lstatSync(link).isSymbolicLink());
});
