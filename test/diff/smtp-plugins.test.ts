// Differential tests of the plugins and backends of issue 4 against
// Debian's mailfront: the same fixtures, environment and dialog; replies,
// exit status, and what reaches qmail-queue or the queue directory.
import t from 'tap';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireOracles, scratchDir } from '@mailfront/testkit';
import { ours, replies, theirs, type Session } from '../helpers/differential.js';

const CLIENT = {
  TCPLOCALHOST: 'mx.example.com',
  TCPLOCALIP: '192.0.2.1',
  TCPREMOTEIP: '198.51.100.7',
  TCPREMOTEHOST: 'client.example.net',
};
const MAIL = 'MAIL FROM:<a@example.com>\r\n';
const RCPT = 'RCPT TO:<b@example.org>\r\n';

/** The reference's fixture tree (A.0): control files, a fake qmail-queue, a pwfile. */
function fixtures(dir: string) {
  const qm = join(dir, 'qm');
  mkdirSync(join(qm, 'control'), { recursive: true });
  mkdirSync(join(qm, 'bin'));
  writeFileSync(join(qm, 'control', 'badmailfrom'), 'bad@example.com\n@spam.example\n');
  writeFileSync(join(qm, 'control', 'rcpthosts'), 'example.org\n.sub.example.net\n');
  writeFileSync(join(qm, 'control', 'badrcptto'), 'nobody@example.org\n@blocked.example\n');
  const qq = join(qm, 'bin', 'fake-qq');
  writeFileSync(qq, '#!/bin/sh\ncat > "$OUT/qq.msg"\ncat <&1 > "$OUT/qq.env"\nexit ${QQEXIT:-0}\n');
  chmodSync(qq, 0o755);
  writeFileSync(join(qm, 'bin', 'not-executable'), '#!/bin/sh\n');
  mkdirSync(join(dir, 'cvm'));
  writeFileSync(join(dir, 'cvm', 'pwfile'), 'testuser:testpass:0:0:Test User:/tmp:/bin/false\n');
  return { qm, qq, pwfile: join(dir, 'cvm', 'pwfile') };
}

interface Case {
  name: string;
  args: string[];
  vars?: Record<string, string>;
  input: string;
  logs?: boolean;
  /** A documented difference in the log (docs/compat.md): C's log as ours has it. */
  theirLog?: (log: string) => string;
  /** Compare what the fake qmail-queue received (message and envelope). */
  queue?: boolean;
  /** Compare the files a queuedir backend wrote. */
  queuedir?: boolean;
}

const oracle = requireOracles(t, ['mailfront', 'cvm-pwfile']);
if (oracle) {
  const cases = (f: ReturnType<typeof fixtures>): Case[] => [
    { name: 'P1 counters: SIZE 0', args: ['echo', 'counters', 'accept'], input: 'EHLO c\r\nQUIT\r\n', logs: true },
    {
      name: 'P2 counters: SIZE= and an oversize body',
      args: ['echo', 'counters', 'accept'],
      vars: { ...CLIENT, DATABYTES: '20' },
      input: 'EHLO c\r\nMAIL FROM:<a@example.com> SIZE=21\r\nMAIL FROM:<a@example.com> SIZE=20\r\n' + RCPT + 'DATA\r\n0123456789\r\n0123456789\r\n.\r\nQUIT\r\n',
      logs: true,
    },
    {
      name: 'P3 counters: MAXRCPTS',
      args: ['echo', 'counters', 'accept'],
      vars: { ...CLIENT, MAXRCPTS: '2' },
      input: MAIL + 'RCPT TO:<1@example.org>\r\nRCPT TO:<2@example.org>\r\nRCPT TO:<3@example.org>\r\nDATA\r\n.\r\nQUIT\r\n',
      logs: true,
      // An unknown command is logged by its verb only; `.` has none (docs/compat.md, Logging).
      theirLog: (log: string) => log.replace(/: \. $/m, ': [unknown command]'),
    },
    {
      name: 'P4 counters: MAXRCPTS_REJECT refuses DATA',
      args: ['echo', 'counters', 'accept'],
      vars: { ...CLIENT, MAXRCPTS: '2', MAXRCPTS_REJECT: '1' },
      input: MAIL + 'RCPT TO:<1@example.org>\r\nRCPT TO:<2@example.org>\r\nRCPT TO:<3@example.org>\r\nDATA\r\n.\r\nQUIT\r\n',
      logs: true,
      // An unknown command is logged by its verb only; `.` has none (docs/compat.md, Logging).
      theirLog: (log: string) => log.replace(/: \. $/m, ': [unknown command]'),
    },
    {
      name: 'P5 counters: MAXHOPS',
      args: ['echo', 'counters', 'accept'],
      vars: { ...CLIENT, MAXHOPS: '1' },
      input: MAIL + RCPT + 'DATA\r\nReceived: x\r\nRECEIVED: y\r\n\r\nbody\r\n.\r\nQUIT\r\n',
    },
    { name: 'P6 counters: MAXMSGS', args: ['echo', 'counters', 'accept'], vars: { ...CLIENT, MAXMSGS: '1' }, input: MAIL + RCPT + 'DATA\r\n.\r\n' + MAIL + 'QUIT\r\n' },
    {
      name: 'P7 check-fqdn',
      args: ['echo', 'check-fqdn', 'accept'],
      input: 'MAIL FROM:<>\r\nMAIL FROM:<user>\r\nMAIL FROM:<user@host>\r\nMAIL FROM:<user@host.dom>\r\nRCPT TO:<>\r\nRCPT TO:<postmaster>\r\nQUIT\r\n',
      logs: true,
    },
    {
      name: 'P8 check-fqdn with defaults',
      args: ['echo', 'check-fqdn', 'accept'],
      vars: { ...CLIENT, DEFAULTHOST: 'mx.example.com', DEFAULTDOMAIN: 'example.com', SENDER_DOMAINS: 'example.com:example.net' },
      input: 'MAIL FROM:<>\r\nMAIL FROM:<user>\r\nMAIL FROM:<user@host>\r\nMAIL FROM:<user@EXAMPLE.NET>\r\nRCPT TO:<postmaster>\r\nQUIT\r\n',
      logs: true,
    },
    { name: 'P9 reject, temporary', args: ['echo', 'reject', 'accept'], vars: { ...CLIENT, SMTPREJECT: 'go away' }, input: MAIL + 'QUIT\r\n', logs: true },
    { name: 'P10 reject, permanent default text', args: ['echo', 'reject', 'accept'], vars: { ...CLIENT, REJECT: '-' }, input: MAIL + 'QUIT\r\n', logs: true },
    { name: 'P11 relayclient suffix', args: ['echo', 'accept-sender', 'relayclient'], vars: { ...CLIENT, RELAYCLIENT: '@relay' }, input: MAIL + RCPT + 'QUIT\r\n', logs: true },
    { name: 'P12 relayclient without RELAYCLIENT', args: ['echo', 'accept-sender', 'relayclient'], input: MAIL + RCPT + 'QUIT\r\n', logs: true },
    {
      name: 'P18 add-received, FIXUP_RECEIVED_*, HEADER_ADD, force-file',
      args: ['echo', 'add-received', 'accept', 'force-file'],
      vars: { ...CLIENT, FIXUP_RECEIVED_HOST: 'front.example.com', FIXUP_RECEIVED_IP: '203.0.113.9', HEADER_ADD: 'X-Added: yes' },
      input: 'HELO c\r\n' + MAIL + RCPT + 'DATA\r\nbody\r\n.\r\nQUIT\r\n',
      logs: true,
    },
    // Logs differ by design: we also say why the temporary file failed.
    { name: 'P21 force-file with an unusable TMPDIR', args: ['echo', 'force-file', 'accept'], vars: { ...CLIENT, TMPDIR: '/nonexistent' }, input: MAIL + RCPT + 'DATA\r\nbody\r\n.\r\nQUIT\r\n' },
    {
      name: 'V1 qmail-validate',
      args: ['echo', 'qmail-validate'],
      vars: { ...CLIENT, QMAILHOME: f.qm },
      input:
        'MAIL FROM:<bad@example.com>\r\nMAIL FROM:<x@SPAM.example>\r\nMAIL FROM:<good@example.com>\r\nRCPT TO:<nobody@example.org>\r\nRCPT TO:<a@blocked.example>\r\nRCPT TO:<a@example.org>\r\nRCPT TO:<a@deep.sub.example.net>\r\nRCPT TO:<a@sub.example.net>\r\nRCPT TO:<a@other.example>\r\nQUIT\r\n',
      logs: true,
    },
    { name: 'V2 qmail-validate without QMAILHOME', args: ['echo', 'qmail-validate'], vars: { ...CLIENT, QMAILHOME: '/nonexistent' }, input: 'QUIT\r\n' },
    {
      name: 'V3 cvm-validate through the C cvm-pwfile',
      args: ['echo', 'accept-sender', 'cvm-validate', 'accept-recipient'],
      vars: { ...CLIENT, CVM_LOOKUP: oracle['cvm-pwfile'], CVM_PWFILE_PATH: f.pwfile },
      input: MAIL + 'RCPT TO:<testuser@example.org>\r\nRCPT TO:<nosuch@example.org>\r\nRCPT TO:<nodomain>\r\nQUIT\r\n',
      logs: true,
    },
    {
      name: 'Q1 qmail backend: message and envelope bytes',
      args: ['qmail', 'add-received', 'accept'],
      vars: { ...CLIENT, QMAILHOME: f.qm, QMAILQUEUE: f.qq },
      input: 'EHLO client.example\r\n' + MAIL + RCPT + 'RCPT TO:<c@example.org>\r\nDATA\r\nSubject: x\r\n\r\nbody\r\n.\r\nQUIT\r\n',
      queue: true,
      logs: true,
    },
    ...[11, 31, 1, 40, 41, 51, 71, 91, 99, 120].map((status) => ({
      name: `Q-exit${status}`,
      args: ['qmail', 'accept'],
      vars: { ...CLIENT, QMAILHOME: f.qm, QMAILQUEUE: f.qq, QQEXIT: String(status) },
      input: MAIL + RCPT + 'DATA\r\nx\r\n.\r\nQUIT\r\n',
      logs: true,
    })),
    {
      name: 'Q-msg QQERRMSG_31',
      args: ['qmail', 'accept'],
      vars: { ...CLIENT, QMAILHOME: f.qm, QMAILQUEUE: f.qq, QQEXIT: '31', QQERRMSG_31: 'Go away.' },
      input: MAIL + RCPT + 'DATA\r\nx\r\n.\r\nQUIT\r\n',
      logs: true,
    },
    { name: 'Q-chdir missing QMAILHOME: 451 at DATA', args: ['qmail', 'accept'], vars: { ...CLIENT, QMAILHOME: '/nonexistent' }, input: MAIL + RCPT + 'DATA\r\nx\r\n.\r\nQUIT\r\n' },
    {
      name: 'Q-noexec QMAILQUEUE not executable',
      args: ['qmail', 'accept'],
      vars: { ...CLIENT, QMAILHOME: f.qm, QMAILQUEUE: join(f.qm, 'bin', 'not-executable') },
      input: MAIL + RCPT + 'DATA\r\nx\r\n.\r\nQUIT\r\n',
    },
    { name: 'B1 queuedir without QUEUEDIR', args: ['queuedir', 'accept'], input: MAIL + 'QUIT\r\n', logs: true },
    {
      name: 'B2 queuedir file format',
      args: ['queuedir', 'add-received', 'accept'],
      vars: { ...CLIENT, QUEUEDIR_NOSYNC: '1' },
      input: 'EHLO c\r\n' + MAIL + RCPT + 'RCPT TO:<c@example.org>\r\nDATA\r\nline\r\n.\r\nQUIT\r\n',
      queuedir: true,
      logs: true,
    },
  ];

  /** One side's run, with its own output directory for the queue fakes. */
  async function side(run: (vars: Record<string, string>) => Promise<Session>, c: Case, dir: string) {
    const out = join(dir, 'out');
    mkdirSync(out, { recursive: true });
    const vars: Record<string, string> = { ...(c.vars ?? CLIENT), OUT: out };
    if (c.queuedir) {
      for (const sub of ['tmp', 'new']) mkdirSync(join(out, sub));
      vars.QUEUEDIR = out;
    }
    const session = await run(vars);
    const read = (name: string) => (existsSync(join(out, name)) ? readFileSync(join(out, name), 'latin1') : undefined);
    const stored = c.queuedir ? readdirSync(join(out, 'new')).map((n) => readFileSync(join(out, 'new', n), 'latin1')) : [];
    const normalize = (s: string | undefined) => s?.replace(/\d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} -0000/g, 'DATE');
    return { session, msg: normalize(read('qq.msg')), env: read('qq.env'), stored: stored.map(normalize) };
  }

  const dir = scratchDir(t);
  const f = fixtures(dir);
  for (const c of cases(f)) {
    t.test(c.name, async (t) => {
      const caseDir = scratchDir(t);
      const [mine, c0] = await Promise.all([
        side((vars) => ours('mailfront-smtpd', c.args, vars, c.input), c, join(caseDir, 'ours')),
        side((vars) => theirs(oracle.mailfront, 'smtp', c.args, vars, c.input), c, join(caseDir, 'theirs')),
      ]);
      t.same(replies(mine.session), replies(c0.session), 'replies');
      t.equal(mine.session.status, c0.session.status, 'exit status');
      if (c.logs) t.equal(mine.session.stderr, (c.theirLog ?? ((l: string) => l))(c0.session.stderr), 'log lines');
      if (c.queue) {
        t.equal(mine.msg, c0.msg, 'message bytes on fd 0');
        t.equal(mine.env, c0.env, 'envelope bytes on fd 1');
        t.ok(mine.env?.endsWith('\0\0'), 'the envelope is complete');
      }
      if (c.queuedir) t.same(mine.stored, c0.stored, 'queue file contents');
    });
  }
}
