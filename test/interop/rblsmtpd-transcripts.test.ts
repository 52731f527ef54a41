// Our rblsmtpd against Debian's /usr/bin/rblsmtpd for every case that
// RBLSMTPD decides (no DNS): same bytes to the client, same log line (but
// for the pid), same exit status.
import t from 'tap';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { requireOracles, run } from '@mailfront/testkit';

const OURS = join(resolve(import.meta.dirname, '../..'), 'packages/rblsmtpd/dist/rblsmtpd.js');
const ECHO_ENV = ['/bin/sh', '-c', 'echo "child RBLSMTPD=[${RBLSMTPD-unset}]"; cat'];
const SESSION = 'HELO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\nNOOP\r\nRSET\r\nEHLO y\r\nVRFY z\r\nQUIT\r\n';

interface Case {
  name: string;
  env: Record<string, string>;
  args: string[];
  input: string | Buffer;
}

const CASES: Case[] = [
  { name: 'A: soft refusal', env: { TCPREMOTEIP: '127.0.0.2', RBLSMTPD: 'some reason' }, args: ['-t', '5'], input: SESSION },
  { name: 'B: hard refusal', env: { TCPREMOTEIP: '127.0.0.2', RBLSMTPD: '-reason' }, args: ['-t', '5'], input: 'HELO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nQUIT\r\n' },
  { name: 'C: -t 0', env: { TCPREMOTEIP: '127.0.0.2', RBLSMTPD: 'blocked, see http://example/' }, args: ['-t', '0'], input: SESSION },
  { name: 'C: -t0 and -b before it', env: { RBLSMTPD: '-x' }, args: ['-b', '-t0'], input: '' },
  { name: 'D: RBLSMTPD empty passes through', env: { TCPREMOTEIP: '127.0.0.1', RBLSMTPD: '' }, args: ['-t', '5'], input: 'EHLO x\r\nbytes unchanged\0\r\n' },
  { name: 'D: unset and no lists passes through', env: { TCPREMOTEIP: '127.0.0.1' }, args: [], input: 'EHLO x\r\n' },
  { name: 'E: sanitising and the 200-byte cut', env: { TCPREMOTEIP: '127.0.0.2', RBLSMTPD: 'tab\there \u00e9 ' + '0'.repeat(250) }, args: ['-t', '0'], input: '' },
  { name: 'E: UTF-8 in the reason', env: { TCPREMOTEIP: '127.0.0.2', RBLSMTPD: 'caf\u00e9 \u{1f600} na\u00efve' }, args: ['-t', '0'], input: '' },
  { name: 'E: CR LF in the reason', env: { TCPREMOTEIP: '127.0.0.2', RBLSMTPD: '-a\r\n250 forged' }, args: ['-t', '5'], input: 'RCPT TO:<x>\r\nQUIT\r\n' },
  { name: 'empty permanent reason', env: { TCPREMOTEIP: '127.0.0.2', RBLSMTPD: '-' }, args: [], input: 'RCPT TO:<x>\r\n' },
  { name: 'verbs: case, NUL, spaces, bare LF', env: { TCPREMOTEIP: '10.0.0.1', RBLSMTPD: 'r' }, args: [], input: Buffer.from('HELO\0x\r\nQUIT\0z\r\n  helo\r\nhelo  x\nMaIl\r\nrset\r\r\nnoop x\r\nQUIT\r\n', 'latin1') },
  { name: 'end of input without QUIT; a last line without LF', env: { TCPREMOTEIP: '10.0.0.1', RBLSMTPD: 'r' }, args: [], input: 'HELO x\r\nRCPT TO:<y>\r\nQUIT' },
  { name: 'no TCPREMOTEIP', env: { RBLSMTPD: '-x' }, args: [], input: 'QUIT\r\n' },
  { name: 'a long command line', env: { TCPREMOTEIP: '10.0.0.1', RBLSMTPD: 'r' }, args: [], input: `HELO ${'x'.repeat(20000)}\r\n${'y'.repeat(10000)}\r\nQUIT\r\n` },
];

t.test('transcript-equal to Debian\'s rblsmtpd', async (t) => {
  const c = requireOracles(t, ['rblsmtpd']);
  if (!c) return;
  t.ok(existsSync(OURS), 'rblsmtpd is built (npm run build)');
  for (const k of CASES) {
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', ...k.env };
    const argv = [...k.args, ...ECHO_ENV];
    const theirs = await run(c.rblsmtpd, argv, { env, input: k.input });
    const ours = await run(process.execPath, [OURS, ...argv], { env, input: k.input });
    t.equal(ours.stdout.toString('latin1'), theirs.stdout.toString('latin1'), `${k.name}: client sees the same`);
    const log = (b: Buffer) => b.toString('latin1').replace(/ pid \d+:/g, ' pid N:');
    t.equal(log(ours.stderr), log(theirs.stderr), `${k.name}: same log`);
    t.equal(ours.status, theirs.status, `${k.name}: same exit status`);
  }
});

t.test('a program that cannot run: same message and status', async (t) => {
  const c = requireOracles(t, ['rblsmtpd']);
  if (!c) return;
  const env = { PATH: '/usr/bin:/bin', RBLSMTPD: '' };
  const theirs = await run(c.rblsmtpd, ['no-such-smtpd'], { env });
  const ours = await run(process.execPath, [OURS, 'no-such-smtpd'], { env });
  t.equal(ours.status, theirs.status);
  t.equal(ours.stderr.toString(), theirs.stderr.toString());
});
