// SMTP AUTH against Debian's mailfront, with the password checked by the C
// cvm-pwfile and by ours (every combination): P13, P14, P16, A1 of the
// reference, and the P15 mechanism-list bug, fixed on our side.
import t from 'tap';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireOracles, scratchDir } from '@mailfront/testkit';
import { ours, replies, theirs, type Session } from '../helpers/differential.js';
import { onThisNode } from '../helpers/paths.js';

const CLIENT = { TCPLOCALHOST: 'mx.example.com', TCPLOCALIP: '192.0.2.1', TCPREMOTEIP: '198.51.100.7', TCPREMOTEHOST: 'client.example.net' };
const b64 = (s: string) => Buffer.from(s).toString('base64');
const PLAIN = b64('\0testuser\0testpass');

const oracle = requireOracles(t, ['mailfront', 'cvm-pwfile']);
if (oracle) {
  const dir = scratchDir(t);
  const pwfile = join(dir, 'pwfile');
  writeFileSync(pwfile, 'testuser:testpass:1000:1000:Test User:/tmp:/bin/false\n');
  const modules = { 'C cvm-pwfile': oracle['cvm-pwfile'], 'our cvm-pwfile': onThisNode('cvm-pwfile', dir) };

  const cases: Array<{ name: string; args: string[]; vars?: Record<string, string>; input: string; logs?: boolean; queuedir?: boolean }> = [
    {
      name: 'P13 require-auth, AUTH PLAIN, already authenticated',
      args: ['echo', 'cvm-authenticate', 'require-auth', 'relayclient', 'accept-sender'],
      input: `EHLO c\r\nMAIL FROM:<a@example.com>\r\nAUTH PLAIN ${PLAIN}\r\nAUTH PLAIN ${PLAIN}\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\nQUIT\r\n`,
      logs: true,
    },
    {
      name: 'P14 LOGIN, failure, abort, unknown mechanism, bad base64',
      args: ['echo', 'cvm-authenticate'],
      input: `AUTH LOGIN\r\n${b64('testuser')}\r\n${b64('x')}\r\nAUTH LOGIN\r\n*\r\nAUTH CRAM-MD5\r\nAUTH PLAIN\r\n=\r\nAUTH PLAIN !!!\r\nAUTH LOGIN ${b64('testuser')}\r\n${b64('testpass')}\r\nQUIT\r\n`,
      // Logs differ by design: libcvm-sasl logs a second, bare "failed" line
      // after "failed: aborted" and "failed: bad response"; we log one line.
    },
    {
      name: 'A1 after AUTH the Received line names the client by its host',
      args: ['queuedir', 'cvm-authenticate', 'add-received', 'relayclient', 'accept-sender'],
      input: `EHLO client.example\r\nAUTH PLAIN ${PLAIN}\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\nDATA\r\nx\r\n.\r\nQUIT\r\n`,
      queuedir: true,
    },
  ];

  for (const [moduleName, module] of Object.entries(modules)) {
    for (const c of cases) {
      t.test(`${c.name} (${moduleName})`, async (t) => {
        const run = async (side: (vars: Record<string, string>) => Promise<Session>, sub: string) => {
          const out = join(scratchDir(t), sub);
          for (const d of ['tmp', 'new']) mkdirSync(join(out, d), { recursive: true });
          const session = await side({ ...CLIENT, CVM_SASL_PLAIN: module, CVM_PWFILE_PATH: pwfile, QUEUEDIR: out, QUEUEDIR_NOSYNC: '1' });
          const stored = readdirSync(join(out, 'new')).map((n) => readFileSync(join(out, 'new', n), 'latin1').replace(/; .* -0000/, '; DATE'));
          return { session, stored };
        };
        const [mine, c0] = await Promise.all([
          run((vars) => ours('mailfront-smtpd', c.args, vars, c.input), 'ours'),
          run((vars) => theirs(oracle.mailfront, 'smtp', c.args, vars, c.input), 'theirs'),
        ]);
        t.same(replies(mine.session), replies(c0.session), 'replies');
        t.equal(mine.session.status, c0.session.status, 'exit status');
        if (c.logs) t.equal(mine.session.stderr, c0.session.stderr, 'log lines');
        if (c.queuedir) t.same(mine.stored, c0.stored, 'queued message');
      });
    }
  }

  t.test('P15: with PLAIN and CRAM-MD5 configured, ours offers and takes all three', async (t) => {
    const vars = { ...CLIENT, CVM_SASL_PLAIN: modules['C cvm-pwfile'], CVM_SASL_CRAM_MD5: modules['C cvm-pwfile'], CVM_PWFILE_PATH: pwfile };
    const input = `EHLO c\r\nAUTH PLAIN ${PLAIN}\r\nQUIT\r\n`;
    const [mine, c0] = await Promise.all([ours('mailfront-smtpd', ['echo', 'cvm-authenticate'], vars, input), theirs(oracle.mailfront, 'smtp', ['echo', 'cvm-authenticate'], vars, input)]);
    t.equal(replies(mine)[2], '250-AUTH LOGIN PLAIN CRAM-MD5');
    t.equal(replies(c0)[2], '250-AUTH LOGIN CRAM-MD5', 'libcvm-sasl 0.97 drops PLAIN');
    t.equal(replies(mine)[6], '235 2.7.0 Authentication succeeded.');
    t.equal(replies(c0)[6], '504 Unrecognized authentication mechanism.');
  });

  t.test('P16: AUTH_REQUIRES_TLS hides AUTH; ours keeps the credentials out of the log', async (t) => {
    const vars = { ...CLIENT, CVM_SASL_PLAIN: modules['C cvm-pwfile'], CVM_PWFILE_PATH: pwfile, AUTH_REQUIRES_TLS: '1' };
    const input = `EHLO c\r\nAUTH PLAIN ${PLAIN}\r\nQUIT\r\n`;
    const [mine, c0] = await Promise.all([ours('mailfront-smtpd', ['echo', 'cvm-authenticate'], vars, input), theirs(oracle.mailfront, 'smtp', ['echo', 'cvm-authenticate'], vars, input)]);
    t.same(replies(mine), replies(c0));
    t.match(c0.stderr, new RegExp(`AUTH PLAIN ${PLAIN.replace(/[+/=]/g, '.')}`), 'C logs the password (base64)');
    t.match(mine.stderr, /: AUTH XXXXXXXX\n/);
    t.notMatch(mine.stderr, new RegExp(PLAIN.replace(/[+/=]/g, '.')));
  });
}
