// rblsmtpd in listen mode (io.session set, as mailfront-tcpsvd runs it).
import t from 'tap';
import type { Env, ListenSession } from '@mailfront/core';
import { main } from '../src/main.js';
import { startDnsServer } from '@mailfront/testkit';
import { fakeIo } from './helpers.js';

function listenSession(id: number) {
  const stop = new AbortController();
  const calls: Array<{ argv: readonly string[]; env: Env }> = [];
  const session: ListenSession = {
    id,
    runNext: async (argv, env) => {
      calls.push({ argv, env });
      return 5;
    },
    windDown: stop.signal,
    count: () => {},
  };
  return { session, stop, calls };
}

t.test('a clean client: the rest of the chain goes to the listener, with the same env', async (t) => {
  const { session, calls } = listenSession(77);
  const io = { ...fakeIo('QUIT\r\n'), session };
  const env = { TCPREMOTEIP: '127.0.0.2', RBLSMTPD: '' };
  t.equal(await main(['-t', '5', 'mailfront-smtpd', 'echo', 'accept'], env, io), 5);
  t.same(calls, [{ argv: ['mailfront-smtpd', 'echo', 'accept'], env }]);
  t.equal(io.stdin.readableLength, 'QUIT\r\n'.length, 'the connection is left unread for the next program');
});

t.test('a refused client: the log line carries the session id', async (t) => {
  const { session, calls } = listenSession(78);
  const io = { ...fakeIo('QUIT\r\n'), session };
  t.equal(await main(['-t', '5', 'mailfront-smtpd', 'echo'], { TCPREMOTEIP: '127.0.0.2', RBLSMTPD: 'go away' }, io), 0);
  t.equal(io.err(), 'rblsmtpd: 127.0.0.2 pid 78: 451 go away\n');
  t.same(calls, []);
});

t.test('winding down cuts the refusal dialog short', async (t) => {
  const { session, stop } = listenSession(79);
  const io = { ...fakeIo(), session };
  const running = main(['-t', '300', 'mailfront-smtpd', 'echo'], { TCPREMOTEIP: '127.0.0.2', RBLSMTPD: 'go away' }, io);
  io.stdin.write('HELO x\r\n');
  await new Promise((r) => setTimeout(r, 50));
  stop.abort();
  t.equal(await running, 0);
  t.equal(io.out(), '220 rblsmtpd.local\r\n250 rblsmtpd.local\r\n');
  t.ok(io.stdout.destroyed, 'the connection is dropped');
});

t.test('a block list that lists the client counts as a DNSBL hit of its zone', async (t) => {
  const dns = await startDnsServer({ '2.0.0.127.bl.test': { a: ['127.0.0.2'] } });
  t.teardown(() => dns.stop());
  const counters: Record<string, number> = {};
  const { session } = listenSession(80);
  const io = { ...fakeIo('QUIT\r\n'), session: { ...session, count: (name: string, amount = 1) => void (counters[name] = (counters[name] ?? 0) + amount) } };
  t.equal(await main(['-t', '0', '-r', 'clean.test', '-r', 'bl.test', 'mailfront-smtpd'], { TCPREMOTEIP: '127.0.0.2', DNSCACHEIP: dns.address }, io), 0);
  t.same(counters, { 'dnsbl_hits:bl.test': 1 });
});
