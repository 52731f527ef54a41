import t from 'tap';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { scratchDir, startDnsServer } from '@mailfront/testkit';
import { main } from '../src/main.js';
import { fakeIo } from './helpers.js';

const PID = 4242;
const dir = scratchDir(t);
const seen = join(dir, 'seen');
/** The program rblsmtpd runs for an accepted client: it records what it got. */
const recorder = ['/bin/sh', '-c', `echo "ran $1 RBLSMTPD=[\${RBLSMTPD-unset}]" > ${seen}; exit 7`, 'sh', 'arg1'];

/** Stands in for process.execve: runs the program to its end and passes its status on. */
const execve = (file: string, args: string[], env: Record<string, string>) =>
  spawnSync(file, args.slice(1), { argv0: args[0], env, stdio: ['ignore', 'ignore', 'inherit'] }).status ?? 111;

async function rbl(argv: string[], env: Record<string, string>, input: string | null = 'QUIT\r\n') {
  const io = fakeIo(input ?? undefined);
  const code = await main(argv, { PATH: '/usr/bin:/bin', ...env }, io, { pid: PID, execve });
  return { code, out: io.out(), err: io.err(), io };
}

function ran(): string {
  return readFileSync(seen, 'utf8');
}

t.test('RBLSMTPD with text: the refusal dialog and the original log line', async (t) => {
  const r = await rbl(['-t', '5', ...recorder], { TCPREMOTEIP: '127.0.0.2', RBLSMTPD: 'some reason' }, 'HELO x\r\nRCPT TO:<a@b>\r\nQUIT\r\n');
  t.equal(r.code, 0);
  t.equal(r.out, '220 rblsmtpd.local\r\n250 rblsmtpd.local\r\n451 some reason\r\n221 rblsmtpd.local\r\n');
  t.equal(r.err, 'rblsmtpd: 127.0.0.2 pid 4242: 451 some reason\n');
  const hard = await rbl(['-t0', ...recorder], { RBLSMTPD: '-reason' });
  t.equal(hard.out, '553 reason\r\n');
  t.equal(hard.err, 'rblsmtpd:  pid 4242: 553 reason\n', 'no TCPREMOTEIP: empty, as in the original');
});

t.test('RBLSMTPD empty or unset without lists: the program runs in its place', async (t) => {
  const r = await rbl([...recorder], { TCPREMOTEIP: '127.0.0.2', RBLSMTPD: '' });
  t.equal(r.code, 7, 'the program status is passed on');
  t.equal(ran(), 'ran arg1 RBLSMTPD=[]\n');
  t.equal(r.out, '');
  t.equal(r.io.stdin.readableLength, 'QUIT\r\n'.length, 'stdin untouched');
  const unset = await rbl(['-t', '1', ...recorder], { TCPREMOTEIP: '127.0.0.2' });
  t.equal(unset.code, 7);
  t.equal(ran(), 'ran arg1 RBLSMTPD=[unset]\n');
});

t.test('RBLSMTPD decides before any list is asked', async (t) => {
  const dns = await startDnsServer({ '2.0.0.127.bl.test': { a: ['127.0.0.2'], txt: ['listed'] } });
  t.teardown(() => dns.stop());
  const r = await rbl(['-r', 'bl.test', ...recorder], { TCPREMOTEIP: '127.0.0.2', RBLSMTPD: '', DNSCACHEIP: dns.address });
  t.equal(r.code, 7);
  t.same(dns.queries, []);
});

t.test('DNS lists', async (t) => {
  const dns = await startDnsServer({
    '2.0.0.127.bl.test': { a: ['127.0.0.2'], txt: ['see https://bl.test/?127.0.0.2'] },
    '3.0.0.127.bl.test': { a: ['127.255.255.254'], txt: ['public resolver'] },
    '4.0.0.127.bl.test': { a: ['127.0.0.4'] },
    '5.0.0.127.bl.test': { fail: 'drop' },
    '2.0.0.127.white.test': { a: ['127.0.0.2'] },
    '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.bl.test': { a: ['127.0.0.2'], txt: ['v6'] },
  });
  t.teardown(() => dns.stop());
  // A lookup the server drops gets a short deadline (nothing else ends it);
  // one it answers gets a long one, which the answer always beats.
  const env = (ip: string, timeout = '20s') => ({ TCPREMOTEIP: ip, DNSCACHEIP: dns.address, RBLSMTPD_DNS_TIMEOUT: timeout });

  const listed = await rbl(['-t', '0', '-r', 'bl.test', ...recorder], env('127.0.0.2'));
  t.equal(listed.out, '451 see https://bl.test/?127.0.0.2\r\n');
  t.equal(listed.err, 'rblsmtpd: 127.0.0.2 pid 4242: 451 see https://bl.test/?127.0.0.2\n');

  const bounce = await rbl(['-b', '-t', '0', '-r', 'bl.test', ...recorder], env('127.0.0.4'));
  t.equal(bounce.out, '553 listed by bl.test\r\n', 'A without TXT: default reason; -b: 553');

  const error = await rbl(['-b', '-r', 'bl.test', ...recorder], env('127.0.0.3'));
  t.equal(error.code, 7, 'an error code from the list is not a listing');
  t.equal(error.err, 'rblsmtpd: 127.0.0.3 pid 4242: warning: bl.test: list error code 127.255.255.254 (query through a public or unattributable resolver); ignoring this list (-C)\n');

  const slow = await rbl(['-r', 'bl.test', ...recorder], env('127.0.0.5', '300ms'));
  t.equal(slow.code, 7, 'timeout: fail open');
  t.match(slow.err, /^rblsmtpd: 127\.0\.0\.5 pid 4242: warning: bl\.test: A lookup of 5\.0\.0\.127\.bl\.test failed: ETIMEOUT; ignoring this list \(-C\)\n$/);

  const closed = await rbl(['-c', '-t0', '-r', 'bl.test', ...recorder], env('127.0.0.5', '300ms'));
  t.equal(closed.out, '451 temporary RBL lookup error\r\n');

  const clean = await rbl(['-r', 'bl.test', ...recorder], env('127.0.0.1'));
  t.equal(clean.code, 7);
  t.equal(clean.err, '');

  const anti = await rbl(['-a', 'white.test', '-r', 'bl.test', ...recorder], env('127.0.0.2'));
  t.equal(anti.code, 7, 'anti-listed first: accepted');

  const v6 = await rbl(['-t0', '-r', 'bl.test.', ...recorder], { PROTO: 'TCP6', TCP6REMOTEIP: '::1', DNSCACHEIP: dns.address });
  t.equal(v6.out, '451 v6\r\n', 'IPv6 client under PROTO=TCP6');
});

t.test('no client address: every list fails, -c/-C decide', async (t) => {
  const open = await rbl(['-r', 'bl.test', ...recorder], { TCPREMOTEIP: 'unknown' });
  t.equal(open.code, 7);
  t.equal(open.err, 'rblsmtpd: unknown pid 4242: warning: bl.test: no client IP address to look up; ignoring this list (-C)\n');
  const closed = await rbl(['-c', '-t', '0', '-r', 'bl.test', ...recorder], {});
  t.equal(closed.out, '451 temporary RBL lookup error\r\n');
});

t.test('usage and configuration errors', async (t) => {
  const none = await rbl([], {});
  t.equal(none.code, 100);
  t.match(none.err, /usage: rblsmtpd /);
  t.equal((await rbl(['-x', 'prog'], {})).code, 100);
  const badT = await rbl(['-t', '5x', 'prog'], {});
  t.equal(badT.code, 100);
  t.equal(badT.err, 'rblsmtpd: fatal: -t needs a number of seconds, not "5x"\n');
  const badZone = await rbl(['-r', 'bad zone', 'prog'], {});
  t.equal(badZone.code, 100);
  t.match(badZone.err, /^rblsmtpd: fatal: bad DNSBL zone "bad zone"/);
  const badDns = await rbl(['-r', 'bl.test', 'prog'], { TCPREMOTEIP: '1.2.3.4', DNSCACHEIP: 'dnscache' });
  t.equal(badDns.code, 111);
  t.equal(badDns.err, 'rblsmtpd: fatal: not a name server address: "dnscache"\n');
  const badTimeout = await rbl(['-r', 'bl.test', 'prog'], { TCPREMOTEIP: '1.2.3.4', RBLSMTPD_DNS_TIMEOUT: 'soon' });
  t.equal(badTimeout.code, 111);
  t.match(badTimeout.err, /^rblsmtpd: fatal: RBLSMTPD_DNS_TIMEOUT="soon" is not a duration/);
  const help = await rbl(['--help'], {});
  t.equal(help.code, 0);
  t.match(help.out, /^Usage: rblsmtpd /);
});

t.test('a program that cannot run: fatal, 111', async (t) => {
  const r = await rbl(['no-such-smtpd-here'], { RBLSMTPD: '' });
  t.equal(r.code, 111);
  t.equal(r.err, 'rblsmtpd: fatal: unable to run no-such-smtpd-here: file does not exist\n');
});

t.test('the conversation timer drops the connection', async (t) => {
  const r = await rbl(['-t', '1', 'prog'], { RBLSMTPD: 'x' }, null);
  t.equal(r.code, 0);
  t.equal(r.out, '220 rblsmtpd.local\r\n');
  t.ok(r.io.stdout.destroyed && r.io.stdin.destroyed, 'both directions closed');
});
