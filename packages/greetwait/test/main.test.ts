// greetwait's main with fake streams (the listen-mode path through the
// shared scheduler) and with a real socket's descriptor (the exec-mode path).
import t from 'tap';
import { PassThrough } from 'node:stream';
import type { Env, ListenSession } from '@mailfront/core';
import { collector, socketPair as pair } from '@mailfront/testkit';
import { DeadlineQueue } from '../src/deadlines.js';
import { EARLY_TALKER_REPLY, main } from '../src/main.js';

const ENV: Env = { PATH: '/usr/bin:/bin', TCPREMOTEIP: '198.51.100.7' };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function harness() {
  const stdin = new PassThrough();
  const out = collector();
  const err = collector();
  const execs: string[][] = [];
  const execve = (_file: string, args: string[]) => (execs.push(args), 9);
  return { io: { stdin, stdout: out.stream, stderr: err.stream }, stdin, execs, execve, out: () => out.latin1(), log: () => err.text(), queue: new DeadlineQueue() };
}

t.test('a patient client is handed to PROGRAM after the wait with everything it sends later', async (t) => {
  const h = harness();
  const started = Date.now();
  const status = main(['0.2', '/bin/sh', '-c', 'x'], ENV, h.io, { execve: h.execve, queue: h.queue });
  await sleep(50);
  t.same(h.execs, [], 'not before the wait is over');
  t.equal(await status, 9);
  t.ok(Date.now() - started >= 190);
  t.same(h.execs, [['/bin/sh', '-c', 'x']]);
  h.stdin.write('EHLO patient\r\n');
  t.same(h.stdin.read(), Buffer.from('EHLO patient\r\n'), 'what comes after the hand-off is left for the server');
  t.equal(h.out(), '', 'greetwait itself says nothing');
  t.equal(h.log(), '');
});

t.test('an early talker gets 554 5.7.1 and is disconnected; the log shows what it said', async (t) => {
  const h = harness();
  const status = main(['5', '/bin/true'], ENV, h.io, { execve: h.execve, queue: h.queue });
  await sleep(30);
  h.stdin.write('EHLO bot.example\r\nMAIL FROM:<spam@example.com>\r\n');
  setTimeout(() => h.stdin.end('RCPT TO:<x@example.org>\r\n'), 50);
  t.equal(await status, 1);
  t.equal(h.out(), EARLY_TALKER_REPLY);
  t.equal(EARLY_TALKER_REPLY, '554 5.7.1 Protocol violation: you talked before my greeting; closing connection.\r\n');
  t.same(h.execs, []);
  t.match(h.log(), /^greetwait\[\d+\]: early talker 198\.51\.100\.7 after \d+\.\d s: "EHLO bot\.example\\r\\nMAIL FROM:<spam@example\.com>\\r\\n"\n$/);
  t.equal(h.queue.size, 0, 'its entry left the scheduler');
});

t.test('a client that leaves during the wait is logged apart, status 0', async (t) => {
  const h = harness();
  const status = main(['5', '/bin/true'], ENV, h.io, { execve: h.execve, queue: h.queue });
  await sleep(20);
  h.stdin.end();
  t.equal(await status, 0);
  t.match(h.log(), /^greetwait\[\d+\]: 198\.51\.100\.7 disconnected after \d+\.\d s, before the greeting\n$/);
  t.equal(h.out(), '');
});

t.test('the log shows at most 100 bytes of the early talk, escaped', async (t) => {
  const h = harness();
  h.stdin.end(Buffer.concat([Buffer.from('\x00\x1b'), Buffer.alloc(200, 0x41)]));
  t.equal(await main(['5', '/bin/true'], ENV, h.io, { execve: h.execve, queue: h.queue }), 1);
  t.match(h.log(), /: "\\x00\\x1bA{98}…"\n$/);
});

t.test('GREETWAIT replaces SECONDS; empty turns the wait off; bad values are refused', async (t) => {
  const off = harness();
  off.stdin.write('EHLO early\r\n');
  t.equal(await main(['30', '/bin/true'], { ...ENV, GREETWAIT: '' }, off.io, { execve: off.execve }), 9, 'no wait: even an early talker goes through');
  t.same(off.stdin.read(), Buffer.from('EHLO early\r\n'));
  const short = harness();
  const started = Date.now();
  t.equal(await main(['30', '/bin/true'], { ...ENV, GREETWAIT: '100ms' }, short.io, { execve: short.execve, queue: short.queue }), 9);
  t.ok(Date.now() - started < 5000);
  const zero = harness();
  t.equal(await main(['0', '/bin/true'], ENV, zero.io, { execve: zero.execve }), 9);
  const bad = harness();
  t.equal(await main(['5', '/bin/true'], { ...ENV, GREETWAIT: 'soon' }, bad.io), 111);
  t.match(bad.log(), /Fatal: GREETWAIT="soon" is not a duration/);
  const usage = harness();
  t.equal(await main(['five', '/bin/true'], ENV, usage.io), 100);
  t.match(usage.log(), /Fatal: SECONDS "five" is not a duration up to 300 s/);
  const long = harness();
  t.equal(await main(['301', '/bin/true'], ENV, long.io), 100);
  const none = harness();
  t.equal(await main(['5'], ENV, none.io), 100, 'no PROGRAM');
  const missing = harness();
  t.equal(await main(['0', '/nonexistent/smtpd'], ENV, missing.io), 111);
  t.match(missing.log(), /Fatal: unable to run \/nonexistent\/smtpd: file does not exist/);
});

t.test('listen mode: the rest of the chain goes to the listener; many waiting sessions share one scheduler', async (t) => {
  const queue = new DeadlineQueue();
  const calls: Array<readonly string[]> = [];
  const sessions = Array.from({ length: 200 }, (_, i) => {
    const h = harness();
    // The first one talks before its wait even starts: early, whatever the machine's pace.
    if (i === 0) h.stdin.write('EHLO early\r\n');
    const session: ListenSession = { id: 1000 + i, runNext: async (argv: readonly string[]) => (calls.push(argv), 0), windDown: new AbortController().signal, count: () => {} };
    return { h, done: main(['1', 'mailfront-smtpd', 'echo'], ENV, { ...h.io, session }, { queue }) };
  });
  await sleep(20);
  t.ok(queue.size >= 199, 'one entry per waiting session');
  t.same(await Promise.all(sessions.map((s) => s.done)), [1, ...Array(199).fill(0)]);
  t.equal(calls.length, 199);
  t.match(sessions[0]!.h.log(), /^greetwait\[1000\]: early talker/);
});

t.test('exec mode: nothing is read from the descriptor after the wait; an early talker is refused', async (t) => {
  const patient = await pair(t);
  const h = harness();
  t.equal(await main(['0.1', '/bin/true'], ENV, h.io, { execve: h.execve, descriptor: patient.fd }), 9);
  patient.client.end('EHLO patient\r\n');
  t.equal((await patient.rest()).toString(), 'EHLO patient\r\n', 'all of it left for the server');

  const early = await pair(t);
  const e = harness();
  early.client.write('EHLO bot\r\n');
  t.equal(await main(['5', '/bin/true'], ENV, e.io, { execve: e.execve, descriptor: early.fd }), 1);
  t.equal(e.out(), EARLY_TALKER_REPLY);
  t.match(e.log(), /early talker 198\.51\.100\.7 after \d+\.\d s: "EHLO bot\\r\\n"/);

  const gone = await pair(t);
  const g = harness();
  gone.client.end();
  t.equal(await main(['5', '/bin/true'], ENV, g.io, { execve: g.execve, descriptor: gone.fd }), 0);
  t.match(g.log(), /disconnected after/);
});
