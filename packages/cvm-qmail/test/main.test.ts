import t from 'tap';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { existsSync } from 'node:fs';
import { run, scratchDir, waitFor } from '@mailfront/testkit';
import { main } from '../src/main.js';
import { collector, qmailTree } from './helpers/tree.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const io = (input: Buffer[] = []) => {
  const out = collector();
  const err = collector();
  return { io: { stdin: Readable.from(input), stdout: out.stream, stderr: err.stream }, out, err };
};

t.test('command mode (reference A.6)', async (t) => {
  const root = qmailTree(t);
  const env = { QMAIL_ROOT: root, CVM_LOOKUP_SECRET: 'secret' };
  const ok = io([hex('0202abcd 0103 6a6f65 020b 6578616d706c652e6f7267 0406 736563726574 00')]);
  t.equal(await main([], env, ok.io), 0);
  t.equal(ok.out.bytes().subarray(0, 9).toString('hex'), '0002abcd01036a6f65');
  const out = io([hex('0200 0103 6a6f65 020b 756e6b6e6f776e2e646f6d 0406 736563726574 00')]);
  t.equal(await main([], env, out.io), 100);
  t.same(out.out.bytes(), hex('6400 100131 00'));
  const auth = io([hex('0200 0103 6a6f65 020b 6578616d706c652e6f7267 00')]);
  t.equal(await main([], { QMAIL_ROOT: root }, auth.io), 6, 'authentication mode: 6');
  const one = io([hex('02')]);
  t.equal(await main([], env, one.io), 2, 'one byte: error 2, no crash');
  t.same(one.out.bytes(), hex('020000'));
});

t.test('usage, help, version', async (t) => {
  const bad = io();
  t.equal(await main(['cvm-local:/x', 'extra'], {}, bad.io), 1);
  t.equal(bad.err.text(), 'cvm-qmail: Fatal: Incorrect usage.\nusage: cvm-qmail cvm-local:/path/to/socket\nor:    cvm-qmail cvm-udp:hostname:port\n');
  const help = io();
  t.equal(await main(['--help'], {}, help.io), 0);
  t.match(help.out.text(), /^Usage: cvm-qmail /);
  const unknown = io();
  t.equal(await main(['-x'], {}, unknown.io), 1);
});

t.test('the bundle serves a socket and stops cleanly on SIGTERM', async (t) => {
  const root = qmailTree(t);
  const dir = scratchDir(t);
  const socket = join(dir, 'q.sock');
  const bundle = join(import.meta.dirname, '../dist/cvm-qmail.js');
  const stopped = run(bundle, [`cvm-local:${socket}`], { env: { ...process.env, QMAIL_ROOT: root, CVM_LOOKUP_SECRET: '' } });
  await waitFor(`${socket}`, () => existsSync(socket));
  const client = await run('cvm-testclient', [`cvm-local:${socket}`, 'joe', 'example.org'], { env: { ...process.env, CVM_LOOKUP_SECRET: '' } }).catch(() => undefined);
  if (client) t.match(client.stdout.toString(), /^user name: {8}joe\n/);
  const pid = Number((await run('pgrep', ['-f', `cvm-local:${socket}`])).stdout.toString().trim().split('\n')[0]);
  process.kill(pid, 'SIGTERM');
  const result = await stopped;
  t.equal(result.status, 0);
  t.match(result.stderr.toString(), /cvm-qmail\[\d+\]: Starting\.\n[^]*cvm-qmail\[\d+\]: Stopping\.\n/);
  t.notOk(existsSync(socket), 'socket removed');
});
