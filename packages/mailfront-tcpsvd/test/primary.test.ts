// The primary in this process, its workers real processes (the bundle in
// dist/): accepting, -c, ids, SIGHUP, SIGTERM's drain, a dying worker.
import t from 'tap';
import { join } from 'node:path';
import { collector, LineClient, scratchDir } from '@mailfront/testkit';
import { writeFileSync } from 'node:fs';
import { parseOptions } from '../src/options.js';
import { runPrimary } from '../src/primary.js';
import { startPrimary } from './helpers/primary.js';
import { fakePort } from './helpers/port.js';
import { noHooks, type SessionEnd } from '../src/events.js';

const dir = scratchDir(t);

function start(argv: string[], env: Record<string, string> = {}, hooks = noHooks()) {
  return startPrimary(argv, ['mailfront-smtpd', 'echo', 'accept'], env, hooks);
}

const greeting = ['220 mx.test mailfront ESMTP'];

t.test('sessions on two workers; -c holds the next connection unanswered', async (t) => {
  const ends: SessionEnd[] = [];
  const hooks = noHooks();
  hooks.sessionEnd.push((e) => ends.push(e));
  const l = await start(['-v', '-w', '2', '-c', '1', '-l', 'mx.test'], {}, hooks);
  const a = await l.connect();
  t.same(await a.readReply(), greeting);
  const b = await l.connect();
  a.send('NOOP\r\n');
  t.same(await a.readReply(), ['250 2.3.0 OK']);
  t.notMatch(l.stdout.text(), /pid 2 /, 'the second connection waits for a slot');
  a.send('QUIT\r\n');
  t.same(await a.readReply(), ['221 2.0.0 Good bye.']);
  t.same(await b.readReply(), greeting, 'and gets it when the first session is over');
  b.send('QUIT\r\n');
  await b.readReply();
  t.equal(await b.readLine(), null);
  while (ends.length < 2) await new Promise((r) => setTimeout(r, 10));
  t.match(ends, [{ id: 1, remoteIp: '127.0.0.1', status: 0, counters: { bytes_in: 12 } }, { id: 2, status: 0 }]);
  l.proc.signal('SIGTERM');
  t.equal(await l.done, 0);
  t.match(l.stdout.text(), /listening on 127\.0\.0\.1:\d+, starting\.\n.*chain: mailfront-smtpd \(in-process, .*\); 2 workers\n/);
  t.match(l.stdout.text(), /status 1\/1\n.*pid 1 from 127\.0\.0\.1\n.*start 1 mx\.test:127\.0\.0\.1 ::127\.0\.0\.1:\d+\n[^]*end 1 exit 0\n.*status 0\/1\n/);
  t.match(l.stdout.text(), /sigterm received, exit\.\n$/);
});

t.test('SIGTERM: a message in DATA is finished, an idle session told 421, new ones refused', async (t) => {
  const l = await start(['-v', '-w', '1', '-l', 'mx.test']);
  const busy = await l.connect();
  const idle = await l.connect();
  t.same(await busy.readReply(), greeting);
  t.same(await idle.readReply(), greeting);
  busy.send('HELO c\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\nDATA\r\n');
  for (let i = 0; i < 4; i++) await busy.readReply();
  busy.send('the first half\r\n');
  l.proc.signal('SIGHUP');
  l.proc.signal('SIGTERM');
  t.same(await idle.readReply(), ['421 4.3.2 mx.test shutting down, closing connection.']);
  t.equal(await idle.readLine(), null);
  busy.send('the second half\r\n.\r\n');
  t.same(await busy.readReply(), ['250 Received 31 bytes.']);
  t.same(await busy.readReply(), ['421 4.3.2 mx.test shutting down, closing connection.']);
  t.equal(await l.done, 0);
  await t.rejects(LineClient.connect(l.port), 'the port is closed');
  t.match(l.stdout.text(), /sighup received, checking cached files again\.\n/);
  t.match(l.stdout.text(), /sigterm received, finishing 2 sessions \(at most 5 s\)\.\n[^]*exit\.\n$/);
});

t.test('the drain limit cuts what is left', async (t) => {
  const l = await start(['-w', '1', '-l', 'mx.test'], { DRAIN_TIMEOUT: '100ms' });
  const stuck = await l.connect();
  t.same(await stuck.readReply(), greeting);
  stuck.send('HELO c\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\nDATA\r\n');
  for (let i = 0; i < 4; i++) await stuck.readReply();
  l.proc.signal('SIGTERM');
  t.equal(await l.done, 0);
  t.equal(await stuck.readLine(), null, 'the connection was cut, the message never acknowledged');
  t.match(l.stderr.text(), /warning: drain limit of 0\.1 s reached: ending 1 session\n/);
});

t.test('a worker that dies is replaced; its sessions end with 111; others go on', async (t) => {
  const l = await start(['-v', '-w', '2', '-l', 'mx.test']);
  const a = await l.connect();
  const b = await l.connect();
  t.same(await a.readReply(), greeting);
  t.same(await b.readReply(), greeting);
  // The sessions went to different workers (the least busy one takes each); kill one of them.
  const workerPids = await workersOf(process.pid);
  t.equal(workerPids.length, 2);
  process.kill(workerPids[0]!, 'SIGKILL');
  const survivors = [];
  for (const c of [a, b]) {
    c.send('NOOP\r\n');
    const reply = await c.readReply();
    if (reply.length > 0) survivors.push(reply);
  }
  t.same(survivors, [['250 2.3.0 OK']], 'one session lost with its worker, the other answers');
  while (!/end \d exit 111/.test(l.stdout.text())) await new Promise((r) => setTimeout(r, 10));
  let replaced: number[] = [];
  while (replaced.length < 2) {
    await new Promise((r) => setTimeout(r, 50));
    replaced = await workersOf(process.pid);
  }
  const c = await l.connect();
  t.same(await c.readReply(), greeting, 'new sessions are served');
  t.match(l.stderr.text(), /warning: worker \d+ ended \(signal SIGKILL\) with 1 sessions\n/);
  for (const x of [a, b, c]) x.close();
  l.proc.signal('SIGTERM');
  t.equal(await l.done, 0);
});

t.test('admission checks run first and can turn a connection away', async (t) => {
  const hooks = noHooks();
  const seen: string[] = [];
  hooks.admission.push((a) => {
    seen.push(`${a.remoteIp}>${a.localIp}:${a.localPort}`);
    return seen.length === 1 ? { message: Buffer.from('421 slow down\r\n') } : seen.length === 2 ? { message: Buffer.alloc(0) } : undefined;
  });
  const l = await start(['-w', '1', '-l', 'mx.test'], {}, hooks);
  const first = await l.connect();
  t.equal(await first.readAll(), '421 slow down\r\n');
  const second = await l.connect();
  t.equal(await second.readAll(), '', 'refused without a word');
  const third = await l.connect();
  t.same(await third.readReply(), greeting);
  t.match(seen, [/^127\.0\.0\.1>127\.0\.0\.1:\d+$/]);
  third.close();
  l.proc.signal('SIGTERM');
  t.equal(await l.done, 0);
});

t.test('bind failure, unknown user, unknown port, bad DRAIN_TIMEOUT', async (t) => {
  const busy = await start(['-w', '1', '-l', 'mx.test']);
  (await busy.connect()).close();
  const parsed = parseOptions(['127.0.0.1', String(busy.port), 'x']);
  if (parsed.kind !== 'ok') throw new Error();
  const err = collector();
  const io = { stdin: process.stdin, stdout: collector().stream, stderr: err.stream };
  t.equal(await runPrimary(parsed.options, [], {}, io, fakePort()), 111);
  t.match(err.text(), /fatal: unable to bind socket: EADDRINUSE/);
  busy.proc.signal('SIGTERM');
  await busy.done;
  for (const [argv, message, code] of [
    [['-u', 'no-such-user-here', '127.0.0.1', '0', 'x'], /fatal: unknown user\/group: no-such-user-here/, 100],
    [['127.0.0.1', 'no-such-service', 'x'], /fatal: unknown port number or name: no-such-service/, 100],
    [['no-such-host.invalid', '0', 'x'], /fatal: unable to look up ip address: no-such-host\.invalid/, 100],
  ] as const) {
    const p = parseOptions(argv);
    if (p.kind !== 'ok') throw new Error();
    const e = collector();
    t.equal(await runPrimary(p.options, [], {}, { stdin: process.stdin, stdout: collector().stream, stderr: e.stream }, fakePort()), code);
    t.match(e.text(), message);
  }
  const p = parseOptions(['127.0.0.1', '0', 'x']);
  if (p.kind !== 'ok') throw new Error();
  const e = collector();
  t.equal(await runPrimary(p.options, [], { DRAIN_TIMEOUT: 'soon' }, { stdin: process.stdin, stdout: collector().stream, stderr: e.stream }, fakePort()), 111);
  t.match(e.text(), /fatal: .*DRAIN_TIMEOUT/);
});

t.test('a failed drop of ids stops before any session', async (t) => {
  const failing = { setgroups: () => { throw Object.assign(new Error('x'), { code: 'EPERM' }); }, setgid: () => {}, setuid: () => {}, getuid: () => 0, getgid: () => 0 };
  const p = parseOptions(['-u', ':1000:1000', '127.0.0.1', '0', 'x']);
  if (p.kind !== 'ok') throw new Error();
  const e = collector();
  t.equal(await runPrimary(p.options, [], {}, { stdin: process.stdin, stdout: collector().stream, stderr: e.stream }, fakePort(failing)), 111);
  t.match(e.text(), /fatal: unable to set groups: EPERM/);
  writeFileSync(join(dir, 'unused'), '');
});

/** The pids of this process's children that run the bundle. */
async function workersOf(pid: number): Promise<number[]> {
  const { readdirSync, readFileSync } = await import('node:fs');
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (ppid === pid && cmdline.includes('mailfront-tcpsvd.js')) out.push(Number(entry));
    } catch {
      // gone
    }
  }
  return out;
}

t.test('--proxy-from: -C counts the clients the headers name, across the primary and its worker', async (t) => {
  const { haproxyV1 } = await import('@mailfront/testkit');
  const ends: SessionEnd[] = [];
  const hooks = noHooks();
  hooks.sessionEnd.push((e) => ends.push(e));
  const l = await start(['-v', '-w', '1', '-C', '1', '-l', 'mx.test', '--proxy-from', '127.0.0.1'], {}, hooks);
  const via = async (client: string) => {
    const c = await l.connect();
    c.send(haproxyV1({ source: client, sourcePort: 5000, destination: '192.0.2.1', destinationPort: 25 }));
    return c;
  };
  const a = await via('203.0.113.5');
  t.same(await a.readReply(), greeting);
  const b = await via('203.0.113.6');
  t.same(await b.readReply(), greeting, 'another client through the same front end is not over -C 1');
  const again = await via('203.0.113.5');
  t.equal(await again.readLine(), null, 'the same client twice is: closed');
  for (const c of [a, b]) {
    c.send('QUIT\r\n');
    await c.readReply();
  }
  while (ends.length < 3) await new Promise((r) => setTimeout(r, 10));
  t.same(ends.map((e) => e.remoteIp).sort(), ['203.0.113.5', '203.0.113.5', '203.0.113.6'], 'sessions end under their clients\' addresses');
  t.match(l.stdout.text(), /concurrency 3 203\.0\.113\.5 2\/1/);
  l.proc.signal('SIGTERM');
  t.equal(await l.done, 0);
});
