import t from 'tap';
import { startDnsServer } from '@mailfront/testkit';
import { DnsblResolver, parseDnsServers, type ResolverLike } from '../src/index.js';

t.test('lookups against the test DNS server', async (t) => {
  const dns = await startDnsServer({
    'listed.test': { a: ['127.0.0.2'], txt: [['see ', 'https://x.test/'], 'second'] },
    'txtonly.test': { txt: ['only text'] },
    'broken.test': { fail: 'servfail' },
    'refusing.test': { fail: 'refused' },
    'dead.test': { fail: 'drop' },
  });
  t.teardown(() => dns.stop());
  // Answered lookups get a deadline a loaded machine never reaches; the
  // dropped one a short one (its result is a timeout whatever the load).
  const r = new DnsblResolver({ servers: [dns.address], timeoutMs: 20_000 });
  t.same(await r.lookupA('listed.test'), { kind: 'answer', values: ['127.0.0.2'] });
  t.same(await r.lookupTxt('listed.test'), { kind: 'answer', values: ['see https://x.test/', 'second'] });
  t.same(await r.lookupA('txtonly.test'), { kind: 'none', nxdomain: false });
  t.same(await r.lookupA('nothing.test'), { kind: 'none', nxdomain: true });
  t.same(await r.lookupA('broken.test'), { kind: 'error', problem: 'failure', code: 'ESERVFAIL' });
  t.same(await r.lookupTxt('refusing.test'), { kind: 'error', problem: 'failure', code: 'EREFUSED' });
  const short = new DnsblResolver({ servers: [dns.address], timeoutMs: 300 });
  t.same(await short.lookupA('dead.test'), { kind: 'error', problem: 'timeout', code: 'ETIMEOUT' });
});

t.test('the deadline holds even if the resolver never settles; cancel is passed on', async (t) => {
  let cancelled = 0;
  const never: ResolverLike = {
    resolve4: () => new Promise(() => {}),
    resolveTxt: () => Promise.resolve([]),
    cancel: () => void cancelled++,
  };
  const r = new DnsblResolver({ resolver: never, timeoutMs: 20 });
  t.same(await r.lookupA('x.test'), { kind: 'error', problem: 'timeout', code: 'ETIMEOUT' });
  t.same(await r.lookupTxt('x.test'), { kind: 'none', nxdomain: false }, 'empty answer');
  r.cancel();
  t.equal(cancelled, 1);
  const odd: ResolverLike = { ...never, resolve4: () => Promise.reject(new Error('no code')) };
  t.same(await new DnsblResolver({ resolver: odd }).lookupA('x'), { kind: 'error', problem: 'failure', code: 'EUNKNOWN' });
  t.throws(() => new DnsblResolver({ timeoutMs: 0 }), RangeError);
  t.equal(new DnsblResolver().timeoutMs, 5000, 'default timeout, system servers');
});

t.test('cancel ends running lookups as failures', async (t) => {
  const dns = await startDnsServer({ 'dead.test': { fail: 'drop' } });
  t.teardown(() => dns.stop());
  const r = new DnsblResolver({ servers: [dns.address], timeoutMs: 5000 });
  const pending = r.lookupA('dead.test');
  r.cancel();
  t.same(await pending, { kind: 'error', problem: 'failure', code: 'ECANCELLED' });
});

t.test('DNSCACHEIP values', async (t) => {
  t.same(parseDnsServers('127.0.0.1'), ['127.0.0.1']);
  t.same(parseDnsServers(' 10.0.0.1, 10.0.0.2 '), ['10.0.0.1', '10.0.0.2']);
  t.same(parseDnsServers('10.0.0.1.10.0.0.2'), ['10.0.0.1', '10.0.0.2'], "djbdns's dotted list");
  t.same(parseDnsServers('127.0.0.1:5353 [::1]:53 ::1'), ['127.0.0.1:5353', '[::1]:53', '::1']);
  t.same(parseDnsServers(''), []);
  for (const bad of ['localhost', '127.0.0.1:0', '127.0.0.1:65536', '[x]:53', '1.2.3', '300.1.1.1']) {
    t.throws(() => parseDnsServers(bad), RangeError, bad);
  }
});
