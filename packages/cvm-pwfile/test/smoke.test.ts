import t from 'tap';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, scratchDir, waitFor } from '@mailfront/testkit';
import { PWFILE, request } from './helpers.js';

const bundle = join(import.meta.dirname, '../dist/cvm-pwfile.js');

t.test('the bundle answers a command-mode request', async (t) => {
  const dir = scratchDir(t);
  writeFileSync(join(dir, 'pwfile'), PWFILE);
  const r = await run(process.execPath, [bundle], { input: request('pwfuser', 'testpass'), env: { CVM_PWFILE_PATH: join(dir, 'pwfile') } });
  t.equal(r.status, 0);
  t.equal(r.stdout.subarray(0, 12).toString('latin1'), '\x00\x00\x01\x07pwfuser\x02');
});

t.test('the bundle serves a socket and stops cleanly on SIGTERM', async (t) => {
  const dir = scratchDir(t);
  writeFileSync(join(dir, 'pwfile'), PWFILE);
  const socket = join(dir, 'pw.sock');
  const child = run(process.execPath, [bundle, `cvm-local:${socket}`], { env: { CVM_PWFILE_PATH: join(dir, 'pwfile') } });
  await waitFor(`${socket}`, () => existsSync(socket));
  t.ok(existsSync(socket), 'socket created');
  const { createCvmClient } = await import('@mailfront/cvm');
  const r = await createCvmClient(`cvm-local:${socket}`, { env: {} }).authenticate('PWFUSER', undefined, 'testpass');
  t.equal(r.code, 0);
  t.equal(r.account?.username, 'pwfuser');
  const pid = Number((await run('pgrep', ['-f', `cvm-local:${socket}`])).stdout.toString().trim().split('\n')[0]);
  process.kill(pid, 'SIGTERM');
  const result = await child;
  t.equal(result.status, 0);
  t.match(result.stderr.toString(), /cvm-pwfile\[\d+\]: Starting\.\n[^]*\+ PWFUSER\n[^]*cvm-pwfile\[\d+\]: Stopping\.\n/);
});
