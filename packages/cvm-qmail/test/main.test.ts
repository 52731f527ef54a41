import t from 'tap';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { freePort, run, scratchDir, untrackedEnv, waitFor } from '@mailfront/testkit';
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

t.test('--workers: usage errors', async (t) => {
  for (const argv of [['--workers', '0', 'cvm-local:/x'], ['--workers', 'many', 'cvm-local:/x'], ['-w', '65', 'cvm-local:/x']]) {
    const bad = io();
    t.equal(await main(argv, {}, bad.io), 1, argv.join(' '));
    t.match(bad.err.text(), /^cvm-qmail: --workers needs a number from 1 to 64\n/);
  }
  const command = io();
  t.equal(await main(['--workers', '2'], {}, command.io), 1, 'command mode has no workers');
});

function processes(pid: number): number[] {
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  return [pid, ...children];
}

t.test('the bundle with --workers 2: two processes answer, V8 sized for a server, a dead worker replaced, SIGTERM stops all', async (t) => {
  const root = qmailTree(t);
  const socket = join(scratchDir(t), 'w.sock');
  const bundle = join(import.meta.dirname, '../dist/cvm-qmail.js');
  const child = spawn(process.execPath, [bundle, '--workers', '2', `cvm-local:${socket}`], {
    env: untrackedEnv({ PATH: process.env.PATH, QMAIL_ROOT: root, CVM_LOOKUP_SECRET: '' }),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr.on('data', (b: Buffer) => (log += b));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await waitFor('the socket', () => existsSync(socket));
  await waitFor('a worker', () => processes(child.pid!).length === 2);
  const [primary, worker] = processes(child.pid!) as [number, number];
  t.equal(primary, child.pid, 'the primary kept its pid when it started again with V8 options');
  for (const pid of [primary, worker]) {
    t.match(readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0'), [process.execPath, '--max-semi-space-size=1'], `${pid}: a 1 MB young generation`);
  }
  const answers = await Promise.all(Array.from({ length: 40 }, () => run('/usr/bin/cvm-testclient', [`cvm-local:${socket}`, 'joe', 'example.org'], { env: { CVM_LOOKUP_SECRET: '' } })));
  t.ok(answers.every((a) => a.status === 0), 'every lookup answered');
  const answeredBy = () => new Set([...log.matchAll(/cvm-qmail\[(\d+)\]: \+ joe@example\.org/g)].map((m) => Number(m[1])));
  await t.resolves(waitFor('lines of both processes in the log', () => answeredBy().size === 2, 10_000), 'both processes answered');
  process.kill(worker, 'SIGKILL');
  await waitFor('a new worker', () => processes(primary).length === 2 && processes(primary)[1] !== worker, 10_000);
  t.match(log, new RegExp(`Warning: worker ${worker} exited \\(SIGKILL\\); starting another`));
  const replacement = processes(primary)[1]!;
  child.kill('SIGTERM');
  t.equal(await exited, 0);
  t.notOk(existsSync(socket), 'socket removed');
  t.throws(() => process.kill(replacement, 0), 'the worker is gone too');
  t.match(log, /Stopping\.\n$/);
});

t.test('the bundle with --workers 2 on cvm-udp: both processes answer datagrams', async (t) => {
  const root = qmailTree(t);
  const port = await freePort();
  const bundle = join(import.meta.dirname, '../dist/cvm-qmail.js');
  const child = spawn(process.execPath, [bundle, '--workers', '2', `cvm-udp:127.0.0.1:${port}`], {
    env: untrackedEnv({ PATH: process.env.PATH, QMAIL_ROOT: root, CVM_LOOKUP_SECRET: '' }),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr.on('data', (b: Buffer) => (log += b));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await waitFor('Starting.', () => log.includes('Starting.'));
  await waitFor('a worker', () => processes(child.pid!).length === 2);
  const answers = await Promise.all(Array.from({ length: 30 }, () => run('/usr/bin/cvm-testclient', [`cvm-udp:127.0.0.1:${port}`, 'joe', 'example.org'], { env: { CVM_LOOKUP_SECRET: '' } })));
  t.ok(answers.every((a) => a.status === 0), 'every lookup answered');
  await t.resolves(waitFor('lines of both processes', () => new Set([...log.matchAll(/cvm-qmail\[(\d+)\]: \+ joe/g)].map((m) => m[1])).size === 2, 10_000), 'both processes answered');
  child.kill('SIGTERM');
  t.equal(await exited, 0);
});
