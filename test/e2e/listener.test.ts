// mailfront-tcpsvd as a supervisor runs it (the bundle, its workers real
// processes): one bad session never harms another, and its signals.
import t from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:net';
import { freePort, LineClient, scratchDir, untrackedEnv } from '@mailfront/testkit';
import { bundle, ROOT } from '../helpers/paths.js';

const dir = scratchDir(t);
const BIN = join(ROOT, 'node_modules/.bin');

/** A plugin with two bugs on purpose: it throws in its hook, or later in a timer, for chosen recipients. */
const BUGGY = join(dir, 'buggy-plugin.mjs');
writeFileSync(
  BUGGY,
  `export default {
  name: 'buggy',
  create() {
    return {
      recipient(arg) {
        if (arg.address.startsWith('throw@')) throw new Error('a plugin bug in its hook');
        if (arg.address.startsWith('timer@')) setTimeout(() => { throw new Error('a plugin bug in a timer'); }, 1);
        return undefined;
      },
    };
  },
};
`,
);

interface Listener {
  port: number;
  child: ChildProcess;
  log(): string;
  queue: string;
  exited: Promise<number | null>;
}

async function listen(name: string, extraEnv: Record<string, string> = {}): Promise<Listener> {
  const queue = join(dir, name);
  for (const sub of ['tmp', 'new']) mkdirSync(join(queue, sub), { recursive: true });
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [bundle('mailfront-tcpsvd'), '-v', '-w', '2', '-l', 'mx.test', '127.0.0.1', String(port), 'mailfront-smtpd', 'queuedir', 'counters', BUGGY, 'accept'],
    { env: untrackedEnv({ PATH: `${BIN}:/usr/bin:/bin`, QUEUEDIR: queue, TIMEOUT: '3', DATABYTES: '1000000', ...extraEnv }), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  child.stdout!.on('data', (b: Buffer) => (log += b));
  child.stderr!.on('data', (b: Buffer) => (log += b));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  for (let i = 0; !/listening on/.test(log); i++) {
    if (i > 400 || child.exitCode !== null) throw new Error(`the listener did not start: ${log}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  t.teardown(() => void child.kill('SIGKILL'));
  return { port, child, log: () => log, queue, exited };
}

async function say(c: LineClient, line: string): Promise<string> {
  c.send(`${line}\r\n`);
  return (await c.readReply(20_000)).join('\n');
}

async function greeted(port: number): Promise<LineClient> {
  const c = await LineClient.connect(port);
  await c.readReply(20_000);
  return c;
}

const queued = (l: Listener) => readdirSync(join(l.queue, 'new')).map((f) => readFileSync(join(l.queue, 'new', f), 'latin1'));

t.test('bad sessions all around one good one: the good message arrives intact, the server still answers', async (t) => {
  const l = await listen('isolation');
  const good = await greeted(l.port);
  await say(good, 'HELO good.example');
  await say(good, 'MAIL FROM:<good@example.com>');
  t.match(await say(good, 'RCPT TO:<joe@example.org>'), /^250 /);
  t.match(await say(good, 'DATA'), /^354 /);
  good.send('Subject: the good one\r\n\r\nfirst half\r\n');

  // Garbage, in bulk.
  const garbage = await greeted(l.port);
  garbage.send(Buffer.from(Array.from({ length: 20_000 }, (_, i) => (i * 7919) % 256)));
  // An oversize command line.
  const oversize = await greeted(l.port);
  t.equal(await say(oversize, 'NOOP ' + 'x'.repeat(100_000)), '500 5.5.2 Line too long.');
  // A client that leaves in the middle of DATA.
  const quitter = await greeted(l.port);
  await say(quitter, 'HELO q');
  await say(quitter, 'MAIL FROM:<q@example.com>');
  await say(quitter, 'RCPT TO:<joe@example.org>');
  await say(quitter, 'DATA');
  quitter.send('Subject: never finished\r\n\r\nhalf a message');
  quitter.close();
  // A client that never reads its replies.
  const deaf = connect(l.port, '127.0.0.1');
  deaf.on('error', () => {});
  deaf.pause();
  deaf.write('NOOP\r\n'.repeat(200_000));
  // A plugin that throws in its hook: that command fails, the session goes on.
  const thrower = await greeted(l.port);
  await say(thrower, 'HELO t');
  await say(thrower, 'MAIL FROM:<t@example.com>');
  t.match(await say(thrower, 'RCPT TO:<throw@example.org>'), /^451 /);
  t.match(await say(thrower, 'NOOP'), /^250 /, 'the session goes on');
  // A plugin that throws later, in a timer: that session ends, alone.
  const timer = await greeted(l.port);
  await say(timer, 'HELO t');
  await say(timer, 'MAIL FROM:<t@example.com>');
  await say(timer, 'RCPT TO:<timer@example.org>');
  t.match(await timer.readAll(20_000), /^(421 4\.3\.0 Internal error, closing connection\.\r\n)?$/, 'ended, with a 421 if it was still reading');

  good.send('second half\r\n.\r\n');
  t.match((await good.readReply(20_000))[0], /^250 /, 'the good message is accepted');
  t.equal(await say(good, 'QUIT'), '221 2.0.0 Good bye.');
  const messages = queued(l);
  t.equal(messages.length, 1, 'exactly one message queued');
  t.equal(messages[0], 'good@example.com\0joe@example.org\0\0Subject: the good one\n\nfirst half\nsecond half\n', 'intact');
  const after = await greeted(l.port);
  t.equal(await say(after, 'NOOP'), '250 2.3.0 OK', 'a new session is served');
  for (const c of [after, garbage, oversize, thrower, good]) c.close();
  deaf.destroy();
  t.match(l.log(), /mailfront-smtpd\[\d+\]: Fatal: internal error: Error: a plugin bug in a timer/, 'the bug is logged against its session');
  t.notMatch(l.log(), /worker \d+ ended/, 'no worker died');
  l.child.kill('SIGTERM');
  t.equal(await l.exited, 0);
});

t.test('SIGHUP changes nothing for running sessions; SIGTERM lets a message in DATA through, then exits', async (t) => {
  const l = await listen('signals');
  const c = await greeted(l.port);
  await say(c, 'HELO c');
  l.child.kill('SIGHUP');
  for (let i = 0; i < 400 && !/sighup received/.test(l.log()); i++) await new Promise((r) => setTimeout(r, 25));
  t.equal(await say(c, 'NOOP'), '250 2.3.0 OK', 'the session survived SIGHUP');
  const other = await greeted(l.port);
  t.equal(await say(other, 'NOOP'), '250 2.3.0 OK', 'and the listener accepts');
  other.close();
  await say(c, 'MAIL FROM:<a@example.com>');
  await say(c, 'RCPT TO:<joe@example.org>');
  await say(c, 'DATA');
  c.send('Subject: sent during the stop\r\n\r\nbefore\r\n');
  l.child.kill('SIGTERM');
  for (let i = 0; i < 400 && !/sigterm received/.test(l.log()); i++) await new Promise((r) => setTimeout(r, 25));
  c.send('after\r\n.\r\n');
  t.match((await c.readReply(20_000))[0], /^250 /, 'the message in DATA is accepted');
  t.match((await c.readReply(20_000))[0], /^421 4\.3\.2 /, 'then the session is told the server is going');
  t.equal(await l.exited, 0, 'and the listener exits 0');
  t.same(queued(l), ['a@example.com\0joe@example.org\0\0Subject: sent during the stop\n\nbefore\nafter\n']);
  t.same(readdirSync(join(l.queue, 'tmp')), [], 'nothing half-queued');
});

t.test('-u: bound as root, every process of the listener runs as the user, with exactly its group', { skip: process.getuid?.() !== 0 && 'needs root' }, async (t) => {
  const port = await freePort();
  const child = spawn(process.execPath, [bundle('mailfront-tcpsvd'), '-v', '-w', '2', '-u', ':65534:65534', '-l', 'mx.test', '127.0.0.1', String(port), '/bin/sh', '-c', 'id -u; id -G'], {
    env: untrackedEnv({ PATH: `${BIN}:/usr/bin:/bin` }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout!.on('data', (b: Buffer) => (log += b));
  t.teardown(() => void child.kill('SIGKILL'));
  for (let i = 0; !/listening on/.test(log); i++) {
    if (i > 400) throw new Error(log);
    await new Promise((r) => setTimeout(r, 25));
  }
  t.match(log, /listening on 127\.0\.0\.1:\d+, uid 65534, gid 65534, starting\./);
  const c = await LineClient.connect(port);
  t.equal(await c.readAll(20_000), '65534\n65534\n', 'a session runs as the user, with only the listed group');
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  t.match(status, /^Uid:\s+65534\s+65534\s+65534\s+65534$/m, 'the primary dropped its ids too');
  child.kill('SIGTERM');
});
