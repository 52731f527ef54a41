import t from 'tap';
import { RECHECK_INTERVAL_MS, recheckAllNow, recheckCaches, RecheckTimer } from '../src/recheck.js';

t.test('due at first use, then once per interval', async (t) => {
  let now = 5000;
  const timer = new RecheckTimer(1000, () => now);
  t.equal(timer.due(), true, 'first use');
  t.equal(timer.due(), false);
  now = 5999;
  t.equal(timer.due(), false, 'just under a second later');
  now = 6000;
  t.equal(timer.due(), true, 'a second later');
  t.equal(timer.due(), false, 'and not again at once');
  t.equal(RECHECK_INTERVAL_MS, 1000);
});

t.test('recheckAllNow makes every timer due once', async (t) => {
  const now = 0;
  const a = new RecheckTimer(1000, () => now);
  const b = new RecheckTimer(1000, () => now);
  t.equal(a.due(), true);
  t.equal(b.due(), true);
  recheckAllNow();
  t.equal(a.due(), true);
  t.equal(a.due(), false);
  t.equal(b.due(), true);
  t.equal(new RecheckTimer().due(), true, 'the default: the monotonic clock');
});

t.test("recheckCaches, the listener's reload (SIGHUP), makes every timer due too", async (t) => {
  const now = 0;
  const timer = new RecheckTimer(1000, () => now);
  t.equal(timer.due(), true);
  t.equal(timer.due(), false);
  recheckCaches();
  t.equal(timer.due(), true, 'looked at again at once');
  t.equal(timer.due(), false);
});
