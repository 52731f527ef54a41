// Differential tests of the mailrules plugin against Debian's mailfront
// 2.12: the reference's worked examples (§8.4) and transcripts R1, R2, R3,
// R5, R6, and the rest of the language: codes and their default texts,
// escapes, negation, globs, selectors, lists (text and cdb), the ENV,
// DATABYTES and RELAYCLIENT fields, reset, plugin order. Each deliberate
// difference (docs/compat.md, "mailrules and patterns") says what both sides answer.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireOracles, scratchDir } from '@mailfront/testkit';
import { ours, replies, theirs, type Session } from '../helpers/differential.js';

const CLIENT = {
  TCPLOCALHOST: 'mx.example.com',
  TCPLOCALIP: '192.0.2.1',
  TCPREMOTEIP: '198.51.100.7',
  TCPREMOTEHOST: 'client.example.net',
};
const NO_RCPT = '550 5.1.0 Mail system is not configured to accept that recipient';

/** The reference's rules file (A.0); `$W` is the fixture directory. */
const REFERENCE_RULES = `# comment lines and unknown prefixes are ignored
:sender
n*:*:ignored:1000::HEADER_ADD=X-Rule: noop\\,matched,OTHER=1
dspam@*:*:Go away\\nand stay away
zslow@example.com:*
k*@trusted.example:*:Trusted sender
:recipient
d*:*!*:Sorry, we don't allow that here
k*:big@example.org:Big one:20:@RC
k*:[[@$W/rules/domains]]:Local domain
p*:*@pass.example:PASS
`;

interface Case {
  name: string;
  args: string[];
  /** The MAILRULES file ($W replaced); MAILRULES is set to it. */
  rules?: string;
  vars?: Record<string, string>;
  input: string;
  logs?: boolean;
  /** Compare the files a queuedir backend wrote. */
  queuedir?: boolean;
  /** A documented difference: the replies after the greeting on each side. */
  differs?: { ours: string[]; theirs: string[]; status?: [number | null, number | null] };
}

const mail = (sender: string, ...recipients: string[]) =>
  `MAIL FROM:<${sender}>\r\n` + recipients.map((r) => `RCPT TO:<${r}>\r\n`).join('');

const cases: Case[] = [
  {
    name: 'R1: §8.4 worked examples, codes, defaults, multi-line, pass, relayclient and databytes fields',
    args: ['echo', 'mailrules', 'counters', 'accept-sender'],
    rules: REFERENCE_RULES,
    vars: { ...CLIENT, DATABYTES: '1000' },
    input:
      'EHLO c\r\nMAIL FROM:<spam@x.example>\r\nMAIL FROM:<slow@example.com>\r\nMAIL FROM:<a@trusted.example> SIZE=900\r\n' +
      'RCPT TO:<u%v!w@example.org>\r\nRCPT TO:<x@Example.NET>\r\nRCPT TO:<y@pass.example>\r\nRCPT TO:<z@elsewhere.example>\r\nRCPT TO:<big@example.org>\r\n' +
      'DATA\r\n0123456789012345678901234567890123456789012345678901234567890\r\n.\r\nEHLO again\r\nQUIT\r\n',
    logs: true,
  },
  { name: 'R2: MAILRULES names a missing file', args: ['echo', 'mailrules', 'accept'], vars: { ...CLIENT, MAILRULES: '/nonexistent' }, input: 'QUIT\r\n' },
  { name: 'MAILRULES empty', args: ['echo', 'mailrules', 'accept'], vars: { ...CLIENT, MAILRULES: '' }, input: 'QUIT\r\n' },
  { name: 'R3: syntax error in a selector line', args: ['echo', 'mailrules', 'accept'], rules: ':bad\n', input: 'QUIT\r\n' },
  ...[':', ':S', ': sender', '::'].map((sel) => ({ name: `selector "${sel}" is a syntax error`, args: ['echo', 'mailrules', 'accept'], rules: `k*:*\n${sel}\n`, input: 'QUIT\r\n' })),
  {
    name: 'selectors: only the second byte counts (:sausage, :r)',
    args: ['echo', 'mailrules'],
    rules: ':sausage\nk*:*:sender rule\n:rubbish\nk*:*:recipient rule\n',
    input: mail('a@b.c', 'd@e.f') + 'QUIT\r\n',
    logs: true,
  },
  {
    name: 'before any selector a recipient pattern of * makes a sender rule',
    args: ['echo', 'mailrules', 'accept'],
    rules: 'k*:*:plain star\nkx*:\\*:escaped star\nky*:!*:negated star\nkz*: *:spaced star\nkw*\n',
    input: mail('a@b') + mail('x@b') + mail('y@b') + mail('z@b', 'q@r') + mail('w@b', 'q@r') + 'QUIT\r\n',
    logs: true,
  },
  { name: 'R5: counters before mailrules advertises SIZE 0', args: ['echo', 'counters', 'mailrules', 'accept'], rules: REFERENCE_RULES, vars: { ...CLIENT, DATABYTES: '1000' }, input: 'EHLO c\r\nQUIT\r\n', logs: true },
  { name: 'R5: mailrules before counters advertises DATABYTES', args: ['echo', 'mailrules', 'counters', 'accept'], rules: REFERENCE_RULES, vars: { ...CLIENT, DATABYTES: '1000' }, input: 'EHLO c\r\nQUIT\r\n', logs: true },
  {
    name: 'R6: an n rule HEADER_ADD reaches add-received; queuedir keeps the whole message',
    args: ['queuedir', 'mailrules', 'add-received', 'accept'],
    rules: REFERENCE_RULES,
    input: 'EHLO client.example\r\n' + mail('a@trusted.example', 'x@example.org') + 'DATA\r\nSubject: t\r\n\r\nbody\r\n.\r\nQUIT\r\n',
    queuedir: true,
    logs: true,
  },
  {
    name: 'R6 through echo: the header is in the first lines',
    args: ['echo', 'mailrules', 'add-received', 'accept'],
    rules: REFERENCE_RULES,
    input: 'EHLO client.example\r\n' + mail('a@trusted.example', 'x@example.org') + 'DATA\r\nSubject: t\r\n\r\nbody\r\n.\r\nQUIT\r\n',
    logs: true,
  },
  {
    name: 'default texts of k, d, z; p passes and stops the walk',
    args: ['echo', 'mailrules', 'accept-sender'],
    rules: ':recipient\nk*:k@x\nd*:d@x\nz*:z@x\np*:p@x\nk*:p@x:never\nk*:\n',
    input: mail('', 'k@x', 'd@x', 'z@x', 'p@x', 'other@x') + 'QUIT\r\n',
    logs: true,
  },
  {
    name: 'negation and !!',
    args: ['echo', 'mailrules', 'accept'],
    rules: ':sender\nd!*@ok.example:*:not ok\nd!!*@bad.example:*:bad\n:recipient\nd*:!![[$W/rules/list]]:listed\nd*:!*@*:no domain\n',
    input: mail('a@other.example') + mail('a@bad.example') + mail('a@ok.example', 'whole@example.com', 'nodomain', 'x@y.z') + 'QUIT\r\n',
    logs: true,
  },
  {
    name: 'empty patterns: k:* matches the null sender only',
    args: ['echo', 'mailrules'],
    rules: 'k:*:bounce\n',
    input: mail('') + mail('a@b') + 'QUIT\r\n',
    logs: true,
  },
  {
    name: 'globs: sets, negated sets, ?, malformed sets, literal backslash, case',
    args: ['echo', 'mailrules'],
    rules: ':sender\nka[bc]d:*:set\nka[!bc]d:*:not set\nkb[^x]:*:caret\nkc?:*:any\nkd[xy:*:malformed\nke\\\\x:*:backslash\nkF*:*:case\nkg[]]:*:empty set\n',
    input: ['abd', 'aed', 'by', 'bx', 'cz', 'c', 'dqqq', 'd', 'e\\\\x', 'FOO', 'foo', 'g]'].map((s) => mail(s)).join('') + 'QUIT\r\n',
    logs: true,
  },
  {
    name: 'escapes: \\: \\, \\\\ \\q, a trailing backslash, empty lines of a multi-line reply',
    args: ['echo', 'mailrules'],
    rules: ':sender\nka*:*:a\\:b\\,c\\\\d\\qe\nkb*:*:ends\\\nzc*:*:\\n\nzd*:*:one\\n\\ntwo\n',
    input: mail('a') + mail('b') + mail('c') + mail('d') + 'QUIT\r\n',
    logs: true,
  },
  {
    name: 'blanks around lines, CR LF line ends, a last line without LF',
    args: ['echo', 'mailrules'],
    rules: '  :sender  \r\n\t k*a:*:  inner blanks kept \t\r\n\r\nkb:*:last',
    input: mail('a') + mail('b') + 'QUIT\r\n',
    logs: true,
  },
  {
    name: 'ENV items: the first entry wins, escaped commas, items without =, reset clears them',
    args: ['echo', 'mailrules', 'reject', 'accept'],
    rules: ':sender\nnx@*:*::::SMTPREJECT=first\\, really,SMTPREJECT=second\nny@*:*::::SMTPREJECT\nnz@*:*::::,,SMTPREJECT=-\\nnope,\nk*:*\n',
    input: mail('x@b') + mail('a@b') + mail('y@b') + mail('z@b') + 'RSET\r\n' + mail('q@b') + 'QUIT\r\n',
    // Not the logs: ours warns about the item without "=".
  },
  {
    name: 'ENV field is the rest of the line, colons included',
    args: ['echo', 'mailrules', 'reject', 'accept'],
    rules: 'n*:*::::SMTPREJECT=a:b\\:c\n',
    input: mail('x@b') + 'QUIT\r\n',
    logs: true,
  },
  {
    name: 'databytes field: only lowers, SIZE= refused, body refused',
    args: ['echo', 'mailrules', 'counters', 'accept-recipient'],
    rules: ':sender\nk*:*:ok:10\n:recipient\nn*:b@x:::5\nk*:c@x:high:50\n',
    vars: { ...CLIENT, DATABYTES: '100' },
    input:
      'EHLO c\r\nMAIL FROM:<a@x> SIZE=11\r\nMAIL FROM:<a@x> SIZE=10\r\nRCPT TO:<c@x>\r\nRCPT TO:<b@x>\r\nDATA\r\n123456\r\n.\r\nRSET\r\nMAIL FROM:<a@x> SIZE=99\r\nEHLO d\r\nQUIT\r\n',
    logs: true,
  },
  {
    name: 'databytes field without DATABYTES sets the limit',
    args: ['echo', 'mailrules', 'counters', 'accept'],
    rules: 'k*:*:ok:10\n',
    input: 'MAIL FROM:<a@x> SIZE=11\r\nMAIL FROM:<a@x> SIZE=10\r\nQUIT\r\n',
    logs: true,
  },
  ...[' 10', '10x', '-1'].map((db) => ({ name: `databytes field "${db}" is a syntax error`, args: ['echo', 'mailrules', 'accept'], rules: `k*:*:ok:${db}\n`, input: 'QUIT\r\n' })),
  {
    name: 'relayclient field: appended whatever the code, accumulated by n rules, rules test the original address',
    args: ['echo', 'accept-sender', 'mailrules'],
    rules: ':recipient\nn*:a@x:::@RC\nn*:a@x:::@RD\nk*:a@x@rc:never\nk*:a@x:orig\nd*:deny@x:::@Z\nk*:plain@x:::\n',
    input: mail('', 'A@x', 'deny@x', 'plain@x') + 'QUIT\r\n',
    logs: true,
  },
  {
    name: 'relayclient field and the relayclient plugin: a rule sets RELAYCLIENT for it',
    args: ['echo', 'accept-sender', 'mailrules', 'relayclient'],
    rules: ':recipient\nnfriend@*:*::::RELAYCLIENT=\n',
    input: mail('friend@x', 'anyone@elsewhere') + mail('stranger@x', 'anyone@elsewhere') + 'QUIT\r\n',
    logs: true,
  },
  {
    name: 'recipient rules test the saved sender',
    args: ['echo', 'mailrules'],
    rules: ':sender\nk*:*\n:recipient\nkboss@*:*:boss\nd*:*:nobody else\n',
    input: mail('BOSS@Example.com', 'a@b') + mail('other@example.com', 'a@b') + 'QUIT\r\n',
    logs: true,
  },
  {
    name: 'text lists: whole addresses, @domains, [[@list]] domains, blanks and case',
    args: ['echo', 'accept-sender', 'mailrules'],
    rules: ':recipient\nk*:[[$W/rules/list]]:L\nk*:[[@$W/rules/list]]:D\n',
    input: mail('', 'whole@example.com', 'WHOLE@EXAMPLE.COM', 'x@dom.example', 'spaced@x', 'y@bare.example', 'bare.example', 'x@y@dom.example', 'dom.example', 'none@none') + 'QUIT\r\n',
    logs: true,
  },
  { name: 'a missing text list stops start-up', args: ['echo', 'mailrules', 'accept'], rules: 'k*:[[$W/rules/nosuch]]\n', input: 'QUIT\r\n' },
  {
    name: '[[x]] is too short to be a list: a glob',
    args: ['echo', 'mailrules'],
    rules: 'k[[x]]:*:glob\n',
    input: mail('x]') + mail('[') + 'QUIT\r\n',
    logs: true,
  },
  {
    name: 'cdb lists: lower-cased lookups of the address, its @domain, or the domain',
    args: ['echo', 'accept-sender', 'mailrules'],
    rules: ':recipient\nk*:[[$W/l.cdb]]:L\nk*:[[@$W/l.cdb]]:D\n',
    input: mail('', 'WHOLE@example.com', 'x@dom.example', 'y@bare.example', 'bare.example', 'UPPER@x', 'upper@x', 'zz') + 'QUIT\r\n',
    logs: true,
  },
  {
    name: 'the whole smtpfront-qmail order: check-fqdn rewrites before mailrules sees the address',
    args: ['echo', 'check-fqdn', 'counters', 'mailrules', 'relayclient'],
    rules: ':sender\nk*@default.example:*:completed\n',
    vars: { ...CLIENT, DEFAULTHOST: 'default.example' },
    input: mail('user') + 'QUIT\r\n',
    logs: true,
  },
  // Documented differences (docs/compat.md, "mailrules and patterns").
  {
    name: 'a missing cdb is an empty list (2.12 matches every address)',
    args: ['echo', 'accept-sender', 'mailrules'],
    rules: ':recipient\nk*:[[$W/missing.cdb]]:M\nk*:[[@$W/missing.cdb]]:M2\n',
    input: mail('', 'a@b', 'nodomain') + 'QUIT\r\n',
    differs: { ours: ["250 Sender=''.", NO_RCPT, NO_RCPT, '221 2.0.0 Good bye.'], theirs: ["250 Sender=''.", '250 M', '250 M', '221 2.0.0 Good bye.'] },
  },
  {
    name: 'octal escapes give their byte (2.12 gives NUL, cutting the text)',
    args: ['echo', 'mailrules'],
    rules: 'k*:*:colon\\072 and \\101\\102\n',
    input: mail('a') + 'QUIT\r\n',
    differs: { ours: ['250 colon: and AB', '221 2.0.0 Good bye.'], theirs: ['250 colon', '221 2.0.0 Good bye.'] },
  },
  {
    name: 'an octal escape of NUL is a syntax error (2.12 cuts the text there)',
    args: ['echo', 'mailrules'],
    rules: 'k*:*:cut\\000here\n',
    input: mail('a') + 'QUIT\r\n',
    differs: { ours: ['421 4.3.0 Syntax error in $MAILRULES'], theirs: ['250 cut', '221 2.0.0 Good bye.'], status: [1, 0] },
  },
  {
    name: 'K accepts and skips the later plugins (mailfront 2.20; 2.12 ignores the line)',
    args: ['echo', 'mailrules', 'reject', 'accept'],
    rules: ':sender\nK*@trusted:*:Welcome\n',
    vars: { ...CLIENT, SMTPREJECT: 'go away' },
    input: mail('a@trusted') + mail('a@other') + 'QUIT\r\n',
    differs: { ours: ['250 Welcome', '451 go away', '221 2.0.0 Good bye.'], theirs: ['451 go away', '451 go away', '221 2.0.0 Good bye.'] },
  },
  {
    name: '& gates the next rule (mailfront 2.15; 2.12 ignores the line)',
    args: ['echo', 'mailrules', 'accept'],
    rules: ':sender\n&*@example.com\nd[[$W/rules/list]]:*:listed and example.com\n',
    input: mail('whole@example.com') + mail('x@dom.example') + 'QUIT\r\n',
    differs: {
      ours: ['553 listed and example.com', "250 Sender='x@dom.example'.", '221 2.0.0 Good bye.'],
      theirs: ['553 listed and example.com', '553 listed and example.com', '221 2.0.0 Good bye.'],
    },
  },
  {
    name: 'a set cut off by a backslash is a malformed set (2.12 crashes)',
    args: ['echo', 'mailrules'],
    rules: 'ka[\\\\:*:M\n',
    input: mail('ab') + 'QUIT\r\n',
    differs: { ours: ['250 M', '221 2.0.0 Good bye.'], theirs: [], status: [0, null] },
  },
  {
    name: 'MAILRULES naming a directory cannot be read (2.12 reads no rules)',
    args: ['echo', 'mailrules', 'accept'],
    vars: { ...CLIENT, MAILRULES: '/' },
    input: 'QUIT\r\n',
    differs: { ours: ['421 4.3.0 Could not open $MAILRULES file'], theirs: ['221 2.0.0 Good bye.'], status: [1, 0] },
  },
  {
    name: 'unknown rule codes are ignored by both (ours logs a warning with file and line)',
    args: ['echo', 'mailrules', 'accept'],
    rules: 'D*:*:upper case\nx*:*:typo\n',
    input: mail('a@b') + 'QUIT\r\n',
  },
];

const oracle = requireOracles(t, ['mailfront', 'cdb']);
if (oracle) {
  const W = scratchDir(t);
  mkdirSync(join(W, 'rules'));
  writeFileSync(join(W, 'rules', 'domains'), 'example.org\nEXAMPLE.NET\n# comment\n');
  writeFileSync(join(W, 'rules', 'list'), 'Whole@Example.COM\n@Dom.example\n  spaced@x  \n# c\n\nbare.example\n');
  execFileSync(oracle.cdb, ['-c', '-m', join(W, 'l.cdb')], { input: 'whole@example.com 1\n@dom.example 1\nbare.example 1\nUPPER@x 1\n' });

  /** One side's run, with its own queue directory. */
  async function side(run: (vars: Record<string, string>) => Promise<Session>, c: Case, dir: string) {
    const vars: Record<string, string> = { ...(c.vars ?? CLIENT) };
    if (c.rules !== undefined) vars.MAILRULES = join(W, 'rules', 'case');
    if (c.queuedir) {
      for (const sub of ['tmp', 'new']) mkdirSync(join(dir, sub), { recursive: true });
      Object.assign(vars, { QUEUEDIR: dir, QUEUEDIR_NOSYNC: '1' });
    }
    const session = await run(vars);
    const stored = c.queuedir ? readdirSync(join(dir, 'new')).map((n) => readFileSync(join(dir, 'new', n), 'latin1')) : [];
    return { session, stored: stored.map((s) => s.replace(/\d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} -0000/g, 'DATE')) };
  }

  for (const c of cases) {
    t.test(c.name, async (t) => {
      if (c.rules !== undefined) writeFileSync(join(W, 'rules', 'case'), c.rules.replaceAll('$W', W), 'latin1');
      const dir = scratchDir(t);
      const [mine, c0] = await Promise.all([
        side((vars) => ours('mailfront-smtpd', c.args, vars, c.input), c, join(dir, 'ours')),
        side((vars) => theirs(oracle.mailfront, 'smtp', c.args, vars, c.input), c, join(dir, 'theirs')),
      ]);
      if (c.differs) {
        const rest = (s: Session) => replies(s).filter((l) => !l.startsWith('220 '));
        t.same(rest(mine.session), c.differs.ours, 'ours, as documented');
        t.same(rest(c0.session), c.differs.theirs, 'mailfront 2.12, as documented');
        if (c.differs.status) t.same([mine.session.status, c0.session.status], c.differs.status, 'exit statuses');
        return;
      }
      t.same(replies(mine.session), replies(c0.session), 'replies');
      t.equal(mine.session.status, c0.session.status, 'exit status');
      if (c.logs) t.equal(mine.session.stderr, c0.session.stderr, 'log lines');
      if (c.queuedir) t.same(mine.stored, c0.stored, 'queue file contents');
    });
  }
}
