// --metrics and the RATELIMIT_* limits: the primary in this process, two
// real worker processes (the bundle in dist/), scripted SMTP sessions.
import t from 'tap';
import { request } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { collector, freePort, LineClient, metricValue as value, parsePrometheusText as parsePrometheusTextFormat, scratchDir, type PrometheusFamily } from '@mailfront/testkit';
import { noHooks } from '../src/events.js';
import { parseOptions } from '../src/options.js';
import { runPrimary } from '../src/primary.js';
import { fakePort } from './helpers/port.js';
import { startPrimary } from './helpers/primary.js';


/** A clock the test moves by hand: rate-limit windows pass without sleeping. */
function testClock() {
  let now = Date.UTC(2026, 0, 1, 12, 0, 0);
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

async function start(argv: string[], env: Record<string, string>, chain: string[], clock = testClock()) {
  const hooks = noHooks();
  hooks.clock = clock.now;
  const { port, stdout, stderr, proc, done, connect } = await startPrimary(argv, ['mailfront-smtpd', ...chain], env, hooks);
  const stop = async () => {
    proc.signal('SIGTERM');
    return done;
  };
  return { port, stdout, stderr, connect, stop, clock };
}

function scrape(port: number): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/metrics' }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, type: String(res.headers['content-type']), body }));
    });
    req.on('error', reject).end();
  });
}

type Families = PrometheusFamily[];

/** One SMTP session: two recipients (one refused by check-fqdn) and `messages` messages. */
async function session(c: LineClient, messages: number) {
  await c.readReply();
  c.send('HELO c\r\n');
  await c.readReply();
  for (let i = 0; i < messages; i++) {
    c.send('MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\nRCPT TO:<b@nodomain>\r\nDATA\r\n');
    for (let r = 0; r < 4; r++) await c.readReply();
    c.send('hello\r\n.\r\n');
    await c.readReply();
  }
  c.send('QUIT\r\n');
  await c.readReply();
  await c.readLine();
}

t.test('--metrics: counters move with the sessions of both workers, and the text parses', async (t) => {
  const metricsPort = await freePort();
  const l = await start(['-w', '2', '-l', 'mx.test', '--metrics', `127.0.0.1:${metricsPort}`], {}, ['echo', 'check-fqdn', 'accept']);
  const before = await (async () => {
    for (let i = 0; ; i++) {
      try {
        return await scrape(metricsPort);
      } catch (e) {
        if (i > 200) throw e;
        await new Promise((r) => setTimeout(r, 25));
      }
    }
  })();
  t.equal(before.status, 200);
  t.match(before.type, /^text\/plain; version=0\.0\.4/);
  t.equal(value(parsePrometheusTextFormat(before.body), 'mailfront_connections_total', { result: 'accepted' }), 0);

  // Two sessions at once, so the least-busy dispatch puts them on different workers, then one more.
  const [a, b] = [await l.connect(), await l.connect()];
  const open = parsePrometheusTextFormat((await scrape(metricsPort)).body);
  t.equal(value(open, 'mailfront_sessions_active'), 2, 'two sessions in progress');
  await Promise.all([session(a, 2), session(b, 1)]);
  await session(await l.connect(), 3);
  let families: Families = [];
  for (let i = 0; i < 200; i++) {
    families = parsePrometheusTextFormat((await scrape(metricsPort)).body);
    if (value(families, 'mailfront_connections_total', { result: 'accepted' }) === 3) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  t.equal(value(families, 'mailfront_connections_total', { result: 'accepted' }), 3);
  t.equal(value(families, 'mailfront_sessions_active'), 0);
  t.equal(value(families, 'mailfront_messages_total', { status: 'queued' }), 6, 'the messages of every worker');
  t.equal(value(families, 'mailfront_recipients_rejected_total', { plugin: 'check-fqdn' }), 6);
  t.equal(value(families, 'mailfront_received_bytes_total'), 6 * 'hello\n'.length);
  const sessions = families.find((f) => f.name === 'mailfront_session_duration_seconds')!;
  t.equal(sessions.metrics[0]!.count, '3');
  const backend = families.find((f) => f.name === 'mailfront_backend_duration_seconds')!;
  t.equal(backend.metrics[0]!.count, '6', 'one backend timing per message');
  t.equal(await l.stop(), 0);
  await t.rejects(scrape(metricsPort), 'the endpoint closes with the listener');
});

t.test('--metrics on a port in use is a fatal error', async (t) => {
  const busy = createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
  t.teardown(() => busy.close());
  const metricsPort = (busy.address() as { port: number }).port;
  const full = ['-w', '1', '--metrics', `127.0.0.1:${metricsPort}`, '127.0.0.1', String(await freePort()), 'mailfront-smtpd', 'echo'];
  const parsed = parseOptions(full);
  if (parsed.kind !== 'ok') throw new Error('bad options');
  const stderr = collector();
  const status = await runPrimary(parsed.options, full, {}, { stdin: process.stdin, stdout: collector().stream, stderr: stderr.stream }, fakePort());
  t.equal(status, 111);
  t.match(stderr.text(), /fatal: unable to bind the metrics socket: EADDRINUSE/);
});

t.test('RATELIMIT_CONNECTIONS: the N+1st connection in the minute hears 421, and gets in after it', async (t) => {
  const metricsPort = await freePort();
  const l = await start(['-w', '2', '-l', 'mx.test', '--metrics', `127.0.0.1:${metricsPort}`], { RATELIMIT_CONNECTIONS: '2' }, ['echo', 'accept']);
  for (let i = 0; i < 2; i++) {
    const c = await l.connect();
    t.same(await c.readReply(), ['220 mx.test mailfront ESMTP'], `connection ${i + 1}`);
    c.send('QUIT\r\n');
    await c.readReply();
  }
  const refused = await l.connect();
  t.same(await refused.readReply(), ['421 4.7.0 Too many connections from 127.0.0.1, try again later']);
  t.equal(await refused.readLine(), null, 'and the connection is closed');
  const again = await l.connect();
  t.same(await again.readReply(), ['421 4.7.0 Too many connections from 127.0.0.1, try again later']);
  l.clock.advance(60_000);
  const later = await l.connect();
  t.same(await later.readReply(), ['220 mx.test mailfront ESMTP'], 'a new window');
  later.send('QUIT\r\n');
  await later.readReply();
  const warnings = l.stderr.text().match(/ratelimit: .*/g) ?? [];
  t.same(warnings, ['ratelimit: 127.0.0.1: more than 2 connections a minute (RATELIMIT_CONNECTIONS), refused until 2026-01-01T12:01:00Z'], 'logged once per window');
  let families: Families = [];
  for (let i = 0; i < 200; i++) {
    families = parsePrometheusTextFormat((await scrape(metricsPort)).body);
    if (value(families, 'mailfront_connections_total', { result: 'accepted' }) === 3) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  t.equal(value(families, 'mailfront_connections_total', { result: 'ratelimit' }), 2);
  t.equal(await l.stop(), 0);
});

t.test('RATELIMIT_MESSAGES and RATELIMIT_RECIPIENTS count across sessions and workers: 451 4.7.1', async (t) => {
  const l = await start(['-w', '2', '-l', 'mx.test'], { RATELIMIT_MESSAGES: '2', RATELIMIT_RECIPIENTS: '3' }, ['echo', 'accept']);
  const [a, b] = [await l.connect(), await l.connect()];
  for (const c of [a, b]) {
    await c.readReply();
    c.send('HELO c\r\n');
    await c.readReply();
  }
  a.send('MAIL FROM:<x@example.com>\r\nRCPT TO:<1@example.org>\r\nRCPT TO:<2@example.org>\r\n');
  for (let i = 0; i < 3; i++) t.match((await a.readReply())[0], /^250 /);
  b.send('MAIL FROM:<x@example.com>\r\nRCPT TO:<3@example.org>\r\nRCPT TO:<4@example.org>\r\n');
  t.match((await b.readReply())[0], /^250 /, 'the second message');
  t.match((await b.readReply())[0], /^250 /, 'the third recipient');
  t.same(await b.readReply(), ['451 4.7.1 Too many recipients from 127.0.0.1, try again later'], 'the fourth, though on another connection');
  a.send('MAIL FROM:<x@example.com>\r\n');
  t.same(await a.readReply(), ['451 4.7.1 Too much mail from 127.0.0.1, try again later'], 'the third message of the hour');
  l.clock.advance(3_600_000);
  a.send('MAIL FROM:<x@example.com>\r\nRCPT TO:<5@example.org>\r\n');
  t.match((await a.readReply())[0], /^250 /, 'an hour later');
  t.match((await a.readReply())[0], /^250 /);
  for (const c of [a, b]) {
    c.send('QUIT\r\n');
    await c.readReply();
  }
  t.equal(await l.stop(), 0);
});

t.test('a rules entry lifts the limit for one client (+RATELIMIT_CONNECTIONS=)', async (t) => {
  const peers = join(scratchDir(t), 'peers');
  mkdirSync(peers);
  writeFileSync(join(peers, '127.0.0.1'), '+RATELIMIT_CONNECTIONS=\n');
  const l = await start(['-w', '1', '-l', 'mx.test', '-i', peers], { RATELIMIT_CONNECTIONS: '1' }, ['echo', 'accept']);
  for (let i = 0; i < 3; i++) {
    const c = await l.connect();
    t.same(await c.readReply(), ['220 mx.test mailfront ESMTP'], `connection ${i + 1}`);
    c.send('QUIT\r\n');
    await c.readReply();
  }
  t.equal(await l.stop(), 0);
});
