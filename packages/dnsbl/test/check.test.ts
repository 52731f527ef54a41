import t from 'tap';
import { startDnsServer } from '@mailfront/testkit';
import { checkAllowList, checkBlockList, combineListing, DnsblResolver, type LookupOutcome } from '../src/index.js';

const answer = (...values: string[]): LookupOutcome => ({ kind: 'answer', values });
const nx: LookupOutcome = { kind: 'none', nxdomain: true };
const nodata: LookupOutcome = { kind: 'none', nxdomain: false };
const timeout: LookupOutcome = { kind: 'error', problem: 'timeout', code: 'ETIMEOUT' };
const servfail: LookupOutcome = { kind: 'error', problem: 'failure', code: 'ESERVFAIL' };

t.test('the decision table', async (t) => {
  const c = (a: LookupOutcome, txt: LookupOutcome | undefined, codes?: string[]) => {
    const r = combineListing('bl.test', 'n.bl.test', a, txt, codes);
    return r.status === 'listed' ? `listed ${r.codes.join(',')} ${r.text ?? '-'}` : r.status === 'error' ? `error ${r.problem}` : r.status;
  };
  t.equal(c(answer('127.0.0.2'), answer('why')), 'listed 127.0.0.2 why');
  t.equal(c(answer('127.0.0.2'), answer('a', 'b')), 'listed 127.0.0.2 ab', 'TXT records joined as rblsmtpd 0.88 does');
  t.equal(c(answer('127.0.0.2'), nodata), 'listed 127.0.0.2 -');
  t.equal(c(answer('127.0.0.2'), timeout), 'listed 127.0.0.2 -', 'TXT is only the reason');
  t.equal(c(answer('127.0.0.2'), answer('')), 'listed 127.0.0.2 -');
  t.equal(c(answer('127.255.255.254'), answer('why')), 'error list-error');
  t.equal(c(answer('8.8.8.8'), undefined), 'error list-error');
  t.equal(c(answer('127.0.0.10'), answer('pbl'), ['127.0.0.2', '127.0.0.3']), 'not-listed', 'code filter');
  t.equal(c(answer('127.0.0.2'), answer('sbl'), ['127.0.0.2']), 'listed 127.0.0.2 sbl');
  t.equal(c(nodata, answer('txt only')), 'listed  txt only', 'TXT-only lists still list');
  t.equal(c(nodata, answer('txt only'), ['127.0.0.2']), 'not-listed');
  t.equal(c(nodata, answer('')), 'not-listed', 'an empty TXT lists nobody');
  t.equal(c(nx, nx), 'not-listed');
  t.equal(c(nx, undefined), 'not-listed');
  t.equal(c(nx, timeout), 'not-listed', 'NXDOMAIN on A settles it');
  t.equal(c(nodata, timeout), 'error timeout');
  t.equal(c(nodata, nodata), 'not-listed');
  t.equal(c(timeout, answer('why')), 'listed  why');
  t.equal(c(timeout, answer('why'), ['127.0.0.2']), 'error timeout');
  t.equal(c(timeout, nx), 'not-listed');
  t.equal(c(timeout, nodata), 'error timeout');
  t.equal(c(servfail, undefined), 'error failure');
  t.match(combineListing('bl.test', 'n.bl.test', servfail, timeout, undefined), { detail: 'A lookup of n.bl.test failed: ESERVFAIL' });
  t.match(combineListing('bl.test', 'n.bl.test', nodata, timeout, undefined), { detail: 'TXT lookup of n.bl.test failed: ETIMEOUT' });
});

t.test('block and allow lists over DNS', async (t) => {
  const dns = await startDnsServer({
    '2.0.0.127.bl.test': { a: ['127.0.0.2'], txt: ['listed for testing'] },
    '3.0.0.127.bl.test': { a: ['127.255.255.254'] },
    '2.0.0.127.white.test': { a: ['127.0.0.2'] },
  });
  t.teardown(() => dns.stop());
  const r = new DnsblResolver({ servers: [dns.address], timeoutMs: 20_000 });
  t.same(await checkBlockList(r, '127.0.0.2', 'bl.test'), {
    status: 'listed',
    zone: 'bl.test',
    name: '2.0.0.127.bl.test',
    codes: ['127.0.0.2'],
    text: 'listed for testing',
  });
  t.match(await checkBlockList(r, '127.0.0.3', 'bl.test'), { status: 'error', problem: 'list-error' });
  t.same(await checkBlockList(r, '127.0.0.1', 'bl.test'), { status: 'not-listed', zone: 'bl.test', name: '1.0.0.127.bl.test' });
  const before = dns.queries.length;
  t.match(await checkBlockList(r, '127.0.0.2', 'bl.test', { txt: false }), { status: 'listed', text: undefined });
  t.equal(dns.queries.length - before, 1, 'no TXT question when not wanted');
  t.match(await checkAllowList(r, '127.0.0.2', 'white.test'), { status: 'listed' });
  t.match(await checkAllowList(r, '127.0.0.3', 'white.test'), { status: 'not-listed' });
  t.match(await checkAllowList(r, '127.0.0.3', 'bl.test'), { status: 'error', problem: 'list-error' });
});
