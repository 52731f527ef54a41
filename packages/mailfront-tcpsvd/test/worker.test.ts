// A worker in this process: sessions arrive as raw handles over a stand-in
// IPC channel, as the primary sends them.
import t from 'tap';
import { join } from 'node:path';
import { collector, LineClient } from '@mailfront/testkit';
import { RecheckTimer } from '@mailfront/core';
import { runWorker, sessionBaseEnv } from '../src/worker.js';
import { sessionScope } from '../src/isolation.js';
import { options } from './helpers/listener.js';
import { fakePort } from './helpers/port.js';
import { createServer, type Socket } from 'node:net';

const BIN = join(import.meta.dirname, '../../../node_modules/.bin');

/** An accepted, unread connection and a LineClient on the other end. */
async function incoming(): Promise<{ handle: unknown; client: LineClient }> {
  const server = createServer({ pauseOnConnect: true });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const accepted = new Promise<Socket>((r) => server.once('connection', r));
  const client = await LineClient.connect((server.address() as { port: number }).port);
  const socket = await accepted;
  server.close();
  return { handle: (socket as unknown as { _handle: unknown })._handle, client };
}

t.test('the session environment never carries the worker mark', async (t) => {
  t.same(sessionBaseEnv({ A: '1', MAILFRONT_TCPSVD_WORKER: '1' }), { A: '1' });
});

t.test('sessions run mailfront-smtpd in-process; ends are reported; wind-down and exit', async (t) => {
  const o = options(['-v', '-l', 'mx.test', '-x', join(import.meta.dirname, 'no-such.cdb')]);
  o.rules = undefined;
  o.program = ['mailfront-smtpd', 'echo', 'accept'];
  const port = fakePort();
  const stdout = collector();
  const stderr = collector();
  const done = runWorker(o, { PATH: `${BIN}:/usr/bin:/bin`, MAILFRONT_TCPSVD_WORKER: '1' }, { stdin: process.stdin, stdout: stdout.stream, stderr: stderr.stream }, port);
  const a = await incoming();
  port.message({ t: 'session', id: 21, concurrency: 1 }, a.handle);
  t.same(await a.client.readReply(), ['220 mx.test mailfront ESMTP']);
  a.client.send('HELO c\r\nQUIT\r\n');
  t.same(await a.client.readReply(), ['250 mx.test']);
  t.same(await a.client.readReply(), ['221 2.0.0 Good bye.']);
  t.equal(await a.client.readLine(), null);
  while (port.sent.length === 0) await new Promise((r) => setTimeout(r, 10));
  t.same(port.sent, [{ t: 'end', id: 21, status: 0, counters: { bytes_in: 14, bytes_out: 63 }, observations: {} }]);
  t.match(stderr.text(), /^mailfront-smtpd\[21\]: bytes in: 14 bytes out: 63\n$/);

  const b = await incoming();
  port.message({ t: 'session', id: 22, concurrency: 1 }, b.handle);
  t.same(await b.client.readReply(), ['220 mx.test mailfront ESMTP']);
  const controlFile = new RecheckTimer(3_600_000);
  controlFile.due();
  t.notOk(controlFile.due(), 'a cached file is not looked at again within its interval');
  port.message({ t: 'recheck' });
  t.ok(controlFile.due(), 'the recheck (SIGHUP) makes every cached file due at its next use');
  port.message({ t: 'nonsense' });
  port.message('not even an object');
  port.message({ t: 'wind-down' });
  t.same(await b.client.readReply(), ['421 4.3.2 mx.test shutting down, closing connection.']);
  t.equal(await done, 0, 'the worker is done once its last session is');
});

t.test('a crash inside a session ends that session; outside any session the worker', async (t) => {
  const o = options(['-l', 'mx.test']);
  o.program = ['mailfront-smtpd', 'echo', 'accept'];
  const port = fakePort();
  const stderr = collector();
  const done = runWorker(o, { PATH: `${BIN}:/bin` }, { stdin: process.stdin, stdout: collector().stream, stderr: stderr.stream }, port);
  const a = await incoming();
  port.message({ t: 'session', id: 31, concurrency: 1 }, a.handle);
  t.same(await a.client.readReply(), ['220 mx.test mailfront ESMTP']);
  // What the uncaughtException handler sees when session code throws in a timer.
  const live = { crashed: false };
  sessionScope.run({ crash: () => (live.crashed = true) } as never, () => port.crash(new Error('in a session')));
  t.ok(live.crashed, 'attributed to the session whose scope it ran in');
  port.crash(new Error('listener bug'));
  t.equal(await done, 111);
  t.match(stderr.text(), /mailfront-tcpsvd: fatal: internal error: Error: listener bug/);
  a.client.close();
});

t.test('the primary going away winds the worker down', async (t) => {
  const o = options([]);
  const port = fakePort();
  const done = runWorker(o, { PATH: '/bin' }, { stdin: process.stdin, stdout: collector().stream, stderr: collector().stream }, port);
  port.disconnect();
  t.equal(await done, 0);
  const other = fakePort();
  const viaSignal = runWorker(o, { PATH: '/bin' }, { stdin: process.stdin, stdout: collector().stream, stderr: collector().stream }, other);
  other.signal('SIGHUP');
  other.signal('SIGTERM');
  t.equal(await viaSignal, 0);
});
