// rblsmtpd's DNS lists against a DNS server on loopback that the test
// controls (never any outside DNS). Where the listing semantics of 0.88
// apply, Debian's rblsmtpd asked the same server must decide the same; that
// part needs port 53 (djbdns clients know no other port), so it runs only
// where the test may bind it.
import t from 'tap';
import { join, resolve } from 'node:path';
import { requireOracles, run, startDnsServer, type DnsAnswer, type TestDnsServer } from '@mailfront/testkit';

const OURS = join(resolve(import.meta.dirname, '../..'), 'packages/rblsmtpd/dist/rblsmtpd.js');
const PROGRAM = ['/bin/sh', '-c', 'echo "passed to the SMTP server"'];

const ZONES: Record<string, DnsAnswer> = {
  '2.0.0.127.bl.test': { a: ['127.0.0.2'], txt: ['listed: see https://bl.test/?127.0.0.2'] },
  '3.0.0.127.bl.test': { a: ['127.0.0.3'], txt: ['first part, ', 'second part'] },
  '4.0.0.127.bl.test': { txt: ['TXT only'] },
  '5.0.0.127.bl.test': { a: ['127.0.0.5'] },
  '6.0.0.127.bl.test': { a: ['127.255.255.254'], txt: ['query via public resolver'] },
  '7.0.0.127.bl.test': { a: ['203.0.113.7'], txt: ['wildcard'] },
  '8.0.0.127.bl.test': { fail: 'drop' },
  '9.0.0.127.bl.test': { fail: 'servfail' },
  '2.0.0.127.other.test': { a: ['127.0.0.2'], txt: ['other list'] },
  '2.0.0.127.white.test': { a: ['127.0.0.2'] },
};

/**
 * DNS deadlines: a lookup that must time out (the server drops it) gets a
 * short one, since nothing else can end it; a lookup that must be answered
 * gets a long one, which a loaded machine never reaches (the answer ends it).
 */
const MUST_TIME_OUT = '300ms';
const MUST_ANSWER = '20s';

async function ours(dns: TestDnsServer, ip: string, args: string[], dnsTimeout = MUST_ANSWER) {
  const r = await run(process.execPath, [OURS, ...args, ...PROGRAM], {
    input: 'HELO x\r\nRCPT TO:<a@b>\r\nQUIT\r\n',
    env: { PATH: process.env.PATH, TCPREMOTEIP: ip, DNSCACHEIP: dns.address, RBLSMTPD_DNS_TIMEOUT: dnsTimeout },
  });
  return { out: r.stdout.toString('latin1'), err: r.stderr.toString('latin1').replace(/ pid \d+:/g, ' pid N:'), status: r.status };
}

const refused = (code: number, reason: string) => `220 rblsmtpd.local\r\n250 rblsmtpd.local\r\n${code} ${reason}\r\n221 rblsmtpd.local\r\n`;
const PASSED = 'passed to the SMTP server\n';

t.test('DNS cases against the test DNS server', async (t) => {
  const dns = await startDnsServer(ZONES);
  t.teardown(() => dns.stop());
  const cases: Array<[string, string, string[], string, RegExp | string, string?]> = [
    ['TXT reason', '127.0.0.2', ['-r', 'bl.test'], refused(451, 'listed: see https://bl.test/?127.0.0.2'), 'rblsmtpd: 127.0.0.2 pid N: 451 listed: see https://bl.test/?127.0.0.2\n'],
    ['-b: 553', '127.0.0.2', ['-b', '-r', 'bl.test'], refused(553, 'listed: see https://bl.test/?127.0.0.2'), /553/],
    ['TXT strings joined', '127.0.0.3', ['-r', 'bl.test'], refused(451, 'first part, second part'), /451/],
    ['TXT-only list still lists', '127.0.0.4', ['-r', 'bl.test'], refused(451, 'TXT only'), /451/],
    ['A without TXT: default reason', '127.0.0.5', ['-r', 'bl.test'], refused(451, 'listed by bl.test'), /451 listed by bl\.test/],
    ['not listed', '127.0.0.1', ['-r', 'bl.test'], PASSED, ''],
    ['127.255.255.254 is a list error', '127.0.0.6', ['-b', '-r', 'bl.test'], PASSED, 'rblsmtpd: 127.0.0.6 pid N: warning: bl.test: list error code 127.255.255.254 (query through a public or unattributable resolver); ignoring this list (-C)\n'],
    ['non-127 answer is a list error', '127.0.0.7', ['-r', 'bl.test'], PASSED, /answer 203\.0\.113\.7 is outside 127\.0\.0\.0\/8; ignoring this list/],
    ['timeout fails open, logged', '127.0.0.8', ['-r', 'bl.test'], PASSED, /warning: bl\.test: A lookup of 8\.0\.0\.127\.bl\.test failed: ETIMEOUT; ignoring this list \(-C\)/, MUST_TIME_OUT],
    ['timeout with -c fails closed', '127.0.0.8', ['-c', '-b', '-r', 'bl.test'], refused(451, 'temporary RBL lookup error'), /refusing \(-c\)\n.*451 temporary RBL lookup error/s, MUST_TIME_OUT],
    ['SERVFAIL fails open', '127.0.0.9', ['-r', 'bl.test'], PASSED, /ESERVFAIL; ignoring this list/],
    ['an earlier failure forbids 553', '127.0.0.2', ['-b', '-r', 'dead.test', '-r', 'bl.test'], PASSED, ''],
    ['anti-RBL first wins', '127.0.0.2', ['-a', 'white.test', '-r', 'bl.test'], PASSED, ''],
    ['RBL first wins over a later anti-RBL', '127.0.0.2', ['-r', 'other.test', '-a', 'white.test'], refused(451, 'other list'), /451 other list/],
    ['first deciding list wins', '127.0.0.2', ['-r', 'other.test', '-r', 'bl.test'], refused(451, 'other list'), /451 other list/],
  ];
  // dead.test must time out, not NXDOMAIN, for the "earlier failure" case.
  dns.set('2.0.0.127.dead.test', { fail: 'drop' });
  cases[11]![3] = refused(451, 'listed: see https://bl.test/?127.0.0.2');
  cases[11]![4] = /ETIMEOUT; ignoring this list \(-C\)\n.*451 listed/s;
  // One list must time out while the other answers within the same deadline:
  // ten times the short one.
  cases[11]![5] = '3s';
  for (const [name, ip, args, out, err, dnsTimeout] of cases) {
    const r = await ours(dns, ip, args, dnsTimeout);
    t.equal(r.out, out, `${name}: client`);
    if (typeof err === 'string') t.equal(r.err, err, `${name}: log`);
    else t.match(r.err, err, `${name}: log`);
    t.equal(r.status, 0, `${name}: status`);
  }
});

t.test('lists are asked concurrently, and IPv6 clients by nibbles', async (t) => {
  const dns = await startDnsServer({
    '2.0.0.127.slow1.test': { a: ['127.0.0.2'], txt: ['slow one'], delayMs: 400 },
    '2.0.0.127.slow2.test': { a: ['127.0.0.2'], delayMs: 400 },
    '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.v6.test': { a: ['127.0.0.2'], txt: ['v6 listed'] },
  });
  t.teardown(() => dns.stop());
  await ours(dns, '127.0.0.2', ['-r', 'slow2.test', '-r', 'slow1.test']);
  const names = dns.queries.map((q) => q.name);
  t.ok(names.includes('2.0.0.127.slow1.test') && names.includes('2.0.0.127.slow2.test'), 'both lists asked');
  const r = await run(process.execPath, [OURS, '-t', '0', '-r', 'v6.test', ...PROGRAM], { env: { PROTO: 'TCP6', TCP6REMOTEIP: '::1', DNSCACHEIP: dns.address } });
  t.equal(r.stdout.toString(), '451 v6 listed\r\n');
});

t.test('the same decisions as Debian\'s rblsmtpd, same DNS server', async (t) => {
  const c = requireOracles(t, ['rblsmtpd']);
  if (!c) return;
  let dns: TestDnsServer;
  const host = '127.53.0.1';
  try {
    dns = await startDnsServer(ZONES, { host, port: 53 });
  } catch (e) {
    t.pass('differential DNS part', { skip: `cannot bind ${host}:53 (${(e as Error).message}): djbdns clients only use port 53` });
    return;
  }
  t.teardown(() => dns.stop());
  const cases: Array<[string, string[]]> = [
    ['127.0.0.2', ['-r', 'bl.test']],
    ['127.0.0.2', ['-b', '-r', 'bl.test']],
    ['127.0.0.3', ['-r', 'bl.test']],
    ['127.0.0.4', ['-r', 'bl.test']],
    ['127.0.0.1', ['-r', 'bl.test']],
    ['127.0.0.2', ['-a', 'white.test', '-r', 'bl.test']],
    ['127.0.0.2', ['-r', 'other.test', '-a', 'white.test']],
    ['127.0.0.2', ['-r', 'other.test', '-r', 'bl.test']],
    ['127.0.0.9', ['-r', 'bl.test']],
    ['127.0.0.9', ['-c', '-r', 'bl.test']],
    ['127.0.0.9', ['-c', '-b', '-r', 'bl.test', '-r', 'other.test']],
  ];
  for (const [ip, args] of cases) {
    const env = { PATH: process.env.PATH, TCPREMOTEIP: ip, DNSCACHEIP: host };
    const input = 'HELO x\r\nRCPT TO:<a@b>\r\nQUIT\r\n';
    const theirs = await run(c.rblsmtpd, [...args, ...PROGRAM], { env, input });
    const mine = await run(process.execPath, [OURS, ...args, ...PROGRAM], { env, input });
    const label = `${ip} ${args.join(' ')}`;
    t.equal(mine.stdout.toString('latin1'), theirs.stdout.toString('latin1'), `${label}: client`);
    // Our log adds a warning line for a failed lookup; the refusal line itself is the original's.
    const refusal = (b: Buffer) => b.toString('latin1').split('\n').filter((l) => !l.includes(': warning: ')).join('\n').replace(/ pid \d+:/g, ' pid N:');
    t.equal(refusal(mine.stderr), refusal(theirs.stderr), `${label}: log`);
  }
});
