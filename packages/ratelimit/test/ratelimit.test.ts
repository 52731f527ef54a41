import t from 'tap';
import { clientKeys, readRateLimits, RateLimiter, WindowTable } from '../src/index.js';

/** A clock the test moves by hand: windows pass without sleeping. */
function testClock(start = Date.UTC(2026, 0, 1, 12, 0, 0)) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

t.test('client keys: the address and its /24 or /64', async (t) => {
  t.same(clientKeys('192.0.2.77'), { address: '192.0.2.77', network: '192.0.2.0/24' });
  t.same(clientKeys('::ffff:192.0.2.77'), { address: '192.0.2.77', network: '192.0.2.0/24' }, 'IPv4-mapped counts as IPv4');
  t.same(clientKeys('2001:DB8:1:2:3:4:5:6'), { address: '2001:db8:1:2:3:4:5:6', network: '2001:db8:1:2::/64' });
  t.throws(() => clientKeys('not-an-ip'), RangeError);
});

t.test('the N+1st connection in the window is refused, and accepted again after it', async (t) => {
  const clock = testClock();
  const limiter = new RateLimiter({ now: clock.now });
  const limits = readRateLimits({ RATELIMIT_CONNECTIONS: '3' });
  for (let i = 1; i <= 3; i++) t.same(limiter.connection('192.0.2.7', limits), { allowed: true }, `connection ${i}`);
  const refused = limiter.connection('192.0.2.7', limits);
  t.same(refused, {
    allowed: false,
    reply: { code: 421, text: '4.7.0 Too many connections from 192.0.2.7, try again later' },
    log: 'ratelimit: 192.0.2.7: more than 3 connections a minute (RATELIMIT_CONNECTIONS), refused until 2026-01-01T12:01:00Z',
  });
  const again = limiter.connection('192.0.2.7', limits);
  t.equal(again.allowed, false);
  t.equal(!again.allowed && again.log, undefined, 'logged once per window');
  t.same(limiter.connection('192.0.2.8', limits), { allowed: true }, 'another address has its own count');
  clock.advance(59_999);
  t.equal(limiter.connection('192.0.2.7', limits).allowed, false, 'still in the window');
  clock.advance(1);
  t.same(limiter.connection('192.0.2.7', limits), { allowed: true }, 'a new window');
  for (let i = 0; i < 2; i++) limiter.connection('192.0.2.7', limits);
  const next = limiter.connection('192.0.2.7', limits);
  t.ok(!next.allowed && next.log, 'the new window logs its first refusal again');
});

t.test('the network limit counts every address of the /24 or /64', async (t) => {
  const limiter = new RateLimiter({ now: testClock().now });
  const limits = readRateLimits({ RATELIMIT_NET_CONNECTIONS: '2', RATELIMIT_CONNECTIONS: '5' });
  t.ok(limiter.connection('192.0.2.1', limits).allowed);
  t.ok(limiter.connection('192.0.2.200', limits).allowed);
  const refused = limiter.connection('192.0.2.3', limits);
  t.same(!refused.allowed && refused.reply, { code: 421, text: '4.7.0 Too many connections from your network 192.0.2.0/24, try again later' });
  t.ok(limiter.connection('192.0.3.1', limits).allowed, 'the next /24 is another network');
  t.ok(limiter.connection('2001:db8::1', limits).allowed);
  t.ok(limiter.connection('2001:db8::2:1', limits).allowed);
  t.notOk(limiter.connection('2001:db8::ffff:1', limits).allowed, 'one /64');
});

t.test('messages and recipients an hour, per address', async (t) => {
  const clock = testClock();
  const limiter = new RateLimiter({ now: clock.now });
  const limits = readRateLimits({ RATELIMIT_MESSAGES: '2', RATELIMIT_RECIPIENTS: '1' });
  t.ok(limiter.message('192.0.2.7', limits).allowed);
  t.ok(limiter.message('192.0.2.7', limits).allowed);
  const mail = limiter.message('192.0.2.7', limits);
  t.same(!mail.allowed && mail.reply, { code: 451, text: '4.7.1 Too much mail from 192.0.2.7, try again later' });
  t.match(!mail.allowed && mail.log, /more than 2 messages an hour \(RATELIMIT_MESSAGES\)/);
  t.ok(limiter.recipient('192.0.2.7', limits).allowed);
  const rcpt = limiter.recipient('192.0.2.7', limits);
  t.same(!rcpt.allowed && rcpt.reply, { code: 451, text: '4.7.1 Too many recipients from 192.0.2.7, try again later' });
  clock.advance(3_600_000);
  t.ok(limiter.message('192.0.2.7', limits).allowed, 'after the hour');
  t.ok(limiter.recipient('192.0.2.7', limits).allowed);
  t.ok(limiter.connection('192.0.2.7', limits).allowed, 'no connection limit set');
  t.same(limiter.sizes(), { connections: 0, netConnections: 0, messages: 1, recipients: 1 }, 'no limit, no entry');
});

t.test('limits from the environment: unset, empty or 0 is no limit', async (t) => {
  t.same(readRateLimits({}), {});
  t.same(readRateLimits({ RATELIMIT_CONNECTIONS: '', RATELIMIT_MESSAGES: '0', RATELIMIT_RECIPIENTS: ' 50 ', RATELIMIT_NET_CONNECTIONS: '100' }), {
    recipients: 50,
    netConnections: 100,
  });
  t.throws(() => readRateLimits({ RATELIMIT_CONNECTIONS: 'ten' }), /RATELIMIT_CONNECTIONS="ten" is not a whole number/);
  t.throws(() => readRateLimits({ RATELIMIT_MESSAGES: '-1' }), /RATELIMIT_MESSAGES/);
});

t.test('the table is bounded: ended windows go first, then the oldest', async (t) => {
  const clock = testClock();
  const table = new WindowTable({ windowMs: 1000, maxEntries: 3, now: clock.now });
  table.hit('a', 1);
  clock.advance(10);
  table.hit('b', 1);
  table.hit('c', 1);
  t.equal(table.size, 3);
  table.hit('d', 1);
  t.equal(table.size, 3, 'the oldest (a) made room');
  t.equal(table.hit('a', 1).count, 1, 'a starts over');
  clock.advance(1000);
  table.hit('e', 1);
  t.equal(table.size, 1, 'every ended window dropped at once');
  // An attacker with a million addresses never grows the table past its bound.
  const big = new WindowTable({ windowMs: 60_000, maxEntries: 1000, now: clock.now });
  for (let i = 0; i < 100_000; i++) big.hit(`2001:db8::${i.toString(16)}`, 1);
  t.equal(big.size, 1000);
  t.throws(() => new WindowTable({ windowMs: 0 }), RangeError);
  t.throws(() => new WindowTable({ windowMs: 10, maxEntries: 0 }), RangeError);
  t.ok(new WindowTable({ windowMs: 10 }).hit('x', 1).allowed, 'the real clock by default');
  t.ok(new RateLimiter().message('192.0.2.1', { messages: 1 }).allowed);
});
