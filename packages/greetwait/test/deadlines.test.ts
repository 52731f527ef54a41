import t from 'tap';
import { DeadlineQueue } from '../src/deadlines.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

t.test('entries run in deadline order, whatever order they came in; cancelled ones never run', async (t) => {
  const q = new DeadlineQueue();
  const ran: string[] = [];
  q.after(60, () => ran.push('60'));
  q.after(20, () => ran.push('20'));
  const cancelled = q.after(30, () => ran.push('30'));
  q.after(40, () => ran.push('40'));
  q.after(20, () => ran.push('20b'));
  cancelled.cancel();
  t.equal(q.size, 4);
  await sleep(150);
  t.same(ran, ['20', '20b', '40', '60']);
  t.equal(q.size, 0);
});

t.test('many waiting entries share one timer: a later, shorter wait re-arms it', async (t) => {
  const q = new DeadlineQueue();
  const before = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles().length;
  const ran: number[] = [];
  for (let i = 0; i < 1000; i++) q.after(150 + (i % 50), () => ran.push(i));
  q.after(0, () => ran.push(-1));
  await sleep(30);
  t.same(ran, [-1], 'the short one, added last, ran first; the others wait');
  const during = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles().length;
  t.ok(during - before <= 1, `no timer per entry (${during - before} more handles)`);
  await sleep(300);
  t.equal(ran.length, 1001);
  t.equal(q.size, 0);
});

t.test('cancelling everything leaves no timer armed', async (t) => {
  const q = new DeadlineQueue();
  const a = q.after(10_000, () => t.fail('cancelled'));
  a.cancel();
  q.after(0, () => {});
  await sleep(10);
  t.equal(q.size, 0);
});
