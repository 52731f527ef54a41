import t from 'tap';
import { PrimaryRateLimits, sessionLimits, WorkerRateLimits } from '../src/rate-limits.js';
import type { LimitRequest } from '../src/ipc.js';

t.test('a worker asks only when a limit applies, and matches answers to questions', async (t) => {
  const sent: LimitRequest[] = [];
  const logged: string[] = [];
  const primary = new PrimaryRateLimits({ log: (l) => logged.push(l), now: () => 0 });
  const worker = new WorkerRateLimits((r) => {
    sent.push(r);
    // The primary answers later, out of order with other questions.
    setImmediate(() => worker.verdict(primary.answer(r) as Extract<ReturnType<typeof primary.answer>, { t: 'verdict' }>));
  });
  t.equal(await worker.ask('message', '192.0.2.1', {}), undefined);
  t.equal(await worker.ask('message', '192.0.2.1', { recipients: 1 }), undefined, 'a recipient limit does not concern MAIL');
  t.same(sent, [], 'no question without a limit');
  const limits = { messages: 1 };
  t.equal(await worker.ask('message', '192.0.2.1', limits), undefined);
  const [a, b] = await Promise.all([worker.ask('message', '192.0.2.1', limits), worker.ask('message', '192.0.2.2', limits)]);
  t.same(a, { code: 451, text: '4.7.1 Too much mail from 192.0.2.1, try again later' });
  t.equal(b, undefined);
  t.equal(logged.length, 1);
  t.same(sent.map((r) => r.seq), [1, 2, 3]);
});

t.test('an address the limiter cannot read is not limited; a primary that went away lets waiting sessions go on', async (t) => {
  const logged: string[] = [];
  const primary = new PrimaryRateLimits({ log: (l) => logged.push(l) });
  t.same(primary.answer({ t: 'limit', seq: 9, event: 'connection', ip: 'nonsense', limits: { connections: 1 } }), { t: 'verdict', seq: 9, verdict: { allowed: true } });
  t.match(logged, [/^ratelimit: not an IP address/]);
  t.same(primary.answer({ t: 'limit', seq: 10, event: 'recipient', ip: '192.0.2.1', limits: { recipients: 5 } }), { t: 'verdict', seq: 10, verdict: { allowed: true } });
  const silent = new WorkerRateLimits(() => {});
  const waiting = silent.ask('connection', '192.0.2.1', { netConnections: 1 });
  silent.release();
  t.equal(await waiting, undefined);
  silent.verdict({ t: 'verdict', seq: 99, verdict: { allowed: true } });
});

t.test('session limits: a bad value is logged and means no limit', async (t) => {
  const warned: string[] = [];
  t.same(sessionLimits({ RATELIMIT_MESSAGES: '5' }, (l) => warned.push(l)), { messages: 5 });
  t.same(sessionLimits({ RATELIMIT_MESSAGES: 'lots' }, (l) => warned.push(l)), {});
  t.match(warned, [/^ratelimit: RATELIMIT_MESSAGES="lots" is not a whole number .*; no rate limit for this session$/]);
});
