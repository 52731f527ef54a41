import t from 'tap';
import { parsePrometheusText as parsePrometheusTextFormat } from '@mailfront/testkit';
import { request } from 'node:http';
import { MetricSet, parseListenAddress, startMetricsServer, sumOverWorkers, TEXT_CONTENT_TYPE } from '../src/index.js';

type Families = ReturnType<typeof parsePrometheusTextFormat>;

const family = (families: Families, name: string) => {
  const f = families.find((x) => x.name === name);
  if (!f) throw new Error(`no metric ${name}`);
  return f;
};
const value = (families: Families, name: string, labels: Record<string, string> = {}) =>
  Number(family(families, name).metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))?.value);

/** A session as a worker would report it: one connection, two recipients refused, two messages. */
function scriptedSession(m: MetricSet) {
  m.connection('accepted');
  m.sessionStarted();
  m.dnsblHit('zen.spamhaus.example');
  m.cvmLookup(0.003);
  m.recipientRejected('cvm-validate');
  m.recipientRejected('qmail-validate');
  m.backend(0.02);
  m.message('queued', 1200);
  m.message('rejected', 300);
  m.sessionEnded(2.5);
}

t.test('the counters move as a session runs, and the text parses', async (t) => {
  const m = new MetricSet();
  const before = parsePrometheusTextFormat(await m.text());
  t.equal(value(before, 'mailfront_connections_total', { result: 'accepted' }), 0, 'known label values start at 0');
  t.equal(value(before, 'mailfront_messages_total', { status: 'tempfail' }), 0);
  m.connection('accepted');
  m.sessionStarted();
  const during = parsePrometheusTextFormat(await m.text());
  t.equal(value(during, 'mailfront_sessions_active'), 1);
  scriptedSession(m);
  m.connection('ratelimit');
  m.connection('denied');
  const after = parsePrometheusTextFormat(await m.text());
  t.equal(value(after, 'mailfront_connections_total', { result: 'accepted' }), 2);
  t.equal(value(after, 'mailfront_connections_total', { result: 'ratelimit' }), 1);
  t.equal(value(after, 'mailfront_connections_total', { result: 'denied' }), 1);
  t.equal(value(after, 'mailfront_connections_total', { result: 'limit' }), 0);
  t.equal(value(after, 'mailfront_sessions_active'), 1, 'one session still open');
  t.equal(value(after, 'mailfront_messages_total', { status: 'queued' }), 1);
  t.equal(value(after, 'mailfront_messages_total', { status: 'rejected' }), 1);
  t.equal(value(after, 'mailfront_received_bytes_total'), 1500);
  t.equal(value(after, 'mailfront_recipients_rejected_total', { plugin: 'cvm-validate' }), 1);
  t.equal(value(after, 'mailfront_dnsbl_hits_total', { zone: 'zen.spamhaus.example' }), 1);
  const sessions = family(after, 'mailfront_session_duration_seconds');
  t.equal(sessions.type, 'HISTOGRAM');
  t.equal(sessions.metrics[0]!.count, '1');
  t.equal(sessions.metrics[0]!.buckets!['1'], '0');
  t.equal(sessions.metrics[0]!.buckets!['5'], '1');
  t.equal(family(after, 'mailfront_cvm_lookup_duration_seconds').metrics[0]!.count, '1');
  t.equal(family(after, 'mailfront_backend_duration_seconds').metrics[0]!.sum, '0.02');
  for (const f of after) t.match(f.name, /^mailfront_[a-z_]+$/, `${f.name}: one prefix, snake case`);
});

t.test('the primary sums the workers', async (t) => {
  const workers = [new MetricSet(), new MetricSet(), new MetricSet()];
  scriptedSession(workers[0]!);
  scriptedSession(workers[1]!);
  scriptedSession(workers[1]!);
  workers[2]!.connection('limit');
  workers[2]!.sessionStarted();
  // Snapshots cross a process boundary as plain data.
  const snapshots = await Promise.all(workers.map(async (w) => structuredClone(await w.snapshot())));
  const sum = parsePrometheusTextFormat(await sumOverWorkers(snapshots));
  t.equal(value(sum, 'mailfront_connections_total', { result: 'accepted' }), 3);
  t.equal(value(sum, 'mailfront_connections_total', { result: 'limit' }), 1);
  t.equal(value(sum, 'mailfront_sessions_active'), 1);
  t.equal(value(sum, 'mailfront_received_bytes_total'), 4500);
  t.equal(value(sum, 'mailfront_recipients_rejected_total', { plugin: 'qmail-validate' }), 3);
  const sessions = family(sum, 'mailfront_session_duration_seconds').metrics[0]!;
  t.equal(sessions.count, '3');
  t.equal(sessions.sum, '7.5');
  t.equal(sessions.buckets!['+Inf'], '3');
  t.equal(await sumOverWorkers([]), '', 'no workers: nothing');
});

function get(port: number, path: string, method = 'GET'): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, type: String(res.headers['content-type']), body }));
    });
    req.on('error', reject).end();
  });
}

t.test('/metrics over HTTP', async (t) => {
  const m = new MetricSet();
  scriptedSession(m);
  let fail = false;
  const errors: string[] = [];
  const server = await startMetricsServer(
    { host: '127.0.0.1', port: 0 },
    async () => {
      if (fail) throw new Error('a worker did not answer');
      return sumOverWorkers([await m.snapshot()]);
    },
    (e) => errors.push(e.message),
  );
  t.teardown(() => server.close());
  const ok = await get(server.address.port, '/metrics');
  t.equal(ok.status, 200);
  t.equal(ok.type, TEXT_CONTENT_TYPE);
  t.match(ok.type, /^text\/plain; version=0\.0\.4; charset=utf-8$/);
  t.equal(value(parsePrometheusTextFormat(ok.body), 'mailfront_messages_total', { status: 'queued' }), 1);
  t.equal((await get(server.address.port, '/metrics?x=1', 'HEAD')).status, 200);
  t.equal((await get(server.address.port, '/')).status, 404);
  t.equal((await get(server.address.port, '/metrics', 'POST')).status, 405);
  fail = true;
  t.equal((await get(server.address.port, '/metrics')).status, 503);
  t.same(errors, ['a worker did not answer']);
});

t.test('--metrics HOST:PORT', async (t) => {
  t.same(parseListenAddress('127.0.0.1:9100'), { host: '127.0.0.1', port: 9100 });
  t.same(parseListenAddress('[::1]:9100'), { host: '::1', port: 9100 });
  t.same(parseListenAddress('localhost:9100'), { host: 'localhost', port: 9100 });
  for (const bad of ['9100', '127.0.0.1', '127.0.0.1:0', '127.0.0.1:65536', '::1:9100', '[localhost]:9100', 'a:b']) {
    t.throws(() => parseListenAddress(bad), RangeError, bad);
  }
});
