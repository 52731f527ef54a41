// Differential tests of the SMTP protocol core: the same dialog through
// Debian's `mailfront smtp …` and through our mailfront-smtpd, compared
// reply by reply (and log line by log line where the logs must agree).
// Every case where we differ on purpose says so, checks both sides, and is
// listed in docs/compat.md.
import t from 'tap';
import { requireOracles } from '@mailfront/testkit';
import { ours, replies, theirs } from '../helpers/differential.js';

const CLIENT = {
  TCPLOCALHOST: 'mx.example.com',
  TCPLOCALIP: '192.0.2.1',
  TCPREMOTEIP: '198.51.100.7',
  TCPREMOTEHOST: 'client.example.net',
};

interface Case {
  name: string;
  args: string[];
  vars?: Record<string, string>;
  input: string;
  /** Compare the log too (after normalising PIDs and program names). */
  logs?: boolean;
  /** A documented difference in the log (docs/compat.md): C's log as ours has it. */
  theirLog?: (log: string) => string;
  /** Reduces reply lines to what must agree (e.g. not a dlerror text). */
  reduce?: (line: string) => string;
  /** A documented difference (docs/compat.md): what each side answers. */
  differs?: { ours: string[]; theirs: string[]; status?: [number, number] };
}

/**
 * mailfront 2.12 logs an unknown command as `VERB argument` (with a space
 * even when there is none); ours logs the verb only, and AUTH's argument as
 * XXXXXXXX (docs/compat.md, Logging).
 */
function unknownByVerb(log: string): string {
  return log
    .replace(/: (AUTH) .+$/gm, ': $1 XXXXXXXX')
    .replace(/: (FOO|X\d|STARTTLS) .*$/gm, ': $1');
}

const cases: Case[] = [
  { name: 'S1 no environment: unknown host name', args: ['echo'], vars: {}, input: 'EHLO x\r\nQUIT\r\n', logs: true },
  {
    name: 'S2 no accepting plugin: every sender refused',
    args: ['echo'],
    input: 'HELO client.example\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\nDATA\r\nQUIT\r\n',
    logs: true,
  },
  {
    name: 'S3 full transaction with parameters',
    args: ['echo', 'accept'],
    input:
      'EHLO client.example\r\nMAIL FROM:<a@example.com> SIZE=100 BODY=8BITMIME\r\nRCPT TO:<b@example.org> NOTIFY=NEVER\r\nDATA\r\nSubject: hi\r\n\r\nline1\r\n..dotline\r\n.\r\nQUIT\r\n',
    logs: true,
  },
  {
    name: 'S4 bare LF command lines',
    args: ['echo', 'accept'],
    input: 'HELO client.example\nMAIL FROM:<a@example.com>\nRCPT TO:<b@example.org>\nDATA\r\nSubject: hi\r\n\r\nline1\r\n..dotline\r\n.\r\nQUIT\n',
    logs: true,
  },
  {
    name: 'S5 add-received',
    args: ['echo', 'add-received', 'accept'],
    input: 'EHLO client.example\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\nDATA\r\nSubject: hi\r\n\r\nbody\r\n.\r\nQUIT\r\n',
    logs: true,
  },
  { name: 'S6 SMTPGREETING', args: ['echo'], vars: { ...CLIENT, SMTPGREETING: 'hello there' }, input: 'QUIT\r\n', logs: true },
  {
    name: 'S7 sequence errors, NOOP, RSET, VRFY, HELP, unknown',
    args: ['echo', 'accept'],
    input:
      'RCPT TO:<b@example.org>\r\nDATA\r\nMAIL FROM:<a@example.com>\r\nDATA\r\nNOOP\r\nNOOP with args\r\nRSET\r\nRCPT TO:<b@example.org>\r\nVRFY someone\r\nVRFY\r\nHELP\r\nHELP me\r\nFOO bar\r\nquit now\r\n',
    logs: true,
    theirLog: unknownByVerb,
  },
  {
    name: 'S8 address parsing edge cases',
    args: ['echo', 'accept'],
    input:
      'MAIL FROM:<>\r\nMAIL FROM: <a@example.com>\r\nMAIL FROM:a@example.com SIZE=5\r\nMAIL FROM\r\nMAIL\r\nMAIL FROM:<a@example.com\r\nMAIL FROM:<"quoted, name"@example.com>\r\nMAIL FROM:<a\\>b@example.com>\r\nMAIL FROM:<@route1,@route2:user@example.com>\r\nmail from:<lower@example.com>\r\nMAIL\tFROM:<tab@example.com>\r\nMAIL FROM:<x@example.com>   P1=a   P2\r\nMAIL FROM:a@example.com \r\nQUIT\r\n',
    logs: true,
  },
  {
    name: 'S8 bracket-less address at end of line (fixed as in mailfront 2.22)',
    args: ['echo', 'accept'],
    input: 'MAIL FROM:a@example.com\r\nMAIL FROM a@example.com\r\nQUIT\r\n',
    differs: {
      ours: ["250 Sender='a@example.com'.", "250 Sender='a@example.com'.", '221 2.0.0 Good bye.'],
      theirs: ['501 5.5.2 Syntax error in address parameter.', '501 5.5.2 Syntax error in address parameter.', '221 2.0.0 Good bye.'],
    },
  },
  { name: 'S9 MAXNOTIMPL=2', args: ['echo'], vars: { ...CLIENT, MAXNOTIMPL: '2' }, input: 'X1\r\nX2\r\nNOOP\r\nX3\r\nX4\r\nX5\r\nQUIT\r\n', logs: true, theirLog: unknownByVerb },
  {
    name: 'S10 last line without LF keeps its last byte',
    args: ['echo'],
    input: 'NOOP\r\nQUIT',
    differs: { ours: ['250 2.3.0 OK', '221 2.0.0 Good bye.'], theirs: ['250 2.3.0 OK', '500 5.5.1 Not implemented.'] },
  },
  {
    // Logs differ only in the echo backend's note of the first data block,
    // which mailfront holds back until a 4096-byte chunk is full.
    name: 'S11 EOF in the middle of DATA',
    args: ['echo', 'accept'],
    input: 'MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\nDATA\r\npartial line\r\n',
  },
  { name: 'S12 EOF without QUIT', args: ['echo'], input: 'NOOP\r\n', logs: true },
  { name: 'S13 HELO/EHLO without argument', args: ['echo'], input: 'HELO\r\nEHLO\r\nQUIT\r\n', logs: true },
  {
    name: 'S14 HELO ends the transaction',
    args: ['echo', 'accept'],
    input: 'MAIL FROM:<a@example.com>\r\nHELO again\r\nRCPT TO:<b@example.org>\r\nQUIT\r\n',
    differs: {
      ours: ["250 Sender='a@example.com'.", '250 mx.example.com', '503 5.5.1 You must send MAIL FROM: first', '221 2.0.0 Good bye.'],
      theirs: ["250 Sender='a@example.com'.", '250 mx.example.com', "250 Recipient='b@example.org'.", '221 2.0.0 Good bye.'],
    },
  },
  {
    name: 'S15 CR handling inside DATA (SMTP_BARE_NEWLINE=normalize: mailfront\'s reading)',
    args: ['echo', 'accept'],
    vars: { ...CLIENT, SMTP_BARE_NEWLINE: 'normalize' },
    input: 'MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\nDATA\r\na\rb\r\nc\r\r\n. \r\n.x\r\n.\r\nQUIT\r\n',
  },
  {
    name: 'S15 by default a bare CR refuses the message',
    args: ['echo', 'accept'],
    input: 'MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\nDATA\r\na\rb\r\nc\r\r\n. \r\n.x\r\n.\r\nQUIT\r\n',
    differs: {
      ours: ["250 Sender='a@example.com'.", "250 Recipient='b@example.org'.", '354 End your message with a period on a line by itself.', '550 5.6.0 Message contains a bare CR; lines must end in CR LF.', '221 2.0.0 Good bye.'],
      theirs: ["250 Sender='a@example.com'.", "250 Recipient='b@example.org'.", '354 End your message with a period on a line by itself.', '250 Received 11 bytes.', '221 2.0.0 Good bye.'],
    },
  },
  {
    name: 'S16 a second MAIL resets',
    args: ['echo', 'accept'],
    input: 'MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\nMAIL FROM:<c@example.com>\r\nDATA\r\nQUIT\r\n',
    logs: true,
  },
  { name: 'S17 STARTTLS and AUTH without their plugins', args: ['echo'], input: 'STARTTLS\r\nAUTH PLAIN\r\nQUIT\r\n', logs: true, theirLog: unknownByVerb },
  {
    name: 'S18 the FROM:/TO: keyword is not checked',
    args: ['echo', 'accept'],
    vars: { TCPLOCALHOST: 'mx.example.com' },
    input: 'MAIL <x@y.example>\r\nRCPT FROM:<a@b.example>\r\nMAIL TO:a@b.example SIZE=1\r\nMAIL FROM:a@b.example \r\nQUIT\r\n',
    logs: true,
  },
  { name: 'S19 HELO uses TCPLOCALHOST, not SMTPGREETING', args: ['echo'], vars: { TCPLOCALHOST: '0', SMTPGREETING: 'mx.example.com' }, input: 'HELO c\r\nQUIT\r\n', logs: true },
  {
    name: 'D1 a completed message ends the transaction',
    args: ['echo', 'accept'],
    input: 'MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\nDATA\r\nfirst\r\n.\r\nDATA\r\nQUIT\r\n',
    differs: {
      ours: [
        "250 Sender='a@example.com'.",
        "250 Recipient='b@example.org'.",
        '354 End your message with a period on a line by itself.',
        '250 Received 6 bytes.',
        '503 5.5.1 You must send MAIL FROM: first',
        '221 2.0.0 Good bye.',
      ],
      theirs: [
        "250 Sender='a@example.com'.",
        "250 Recipient='b@example.org'.",
        '354 End your message with a period on a line by itself.',
        '250 Received 6 bytes.',
        '354 End your message with a period on a line by itself.',
      ],
      status: [0, 1],
    },
  },
  {
    name: 'pipelined transaction in one write, two messages',
    args: ['echo', 'accept'],
    input:
      'EHLO c\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\nDATA\r\nx\r\n.\r\nMAIL FROM:<c@example.com>\r\nRCPT TO:<d@example.org>\r\nDATA\r\ny\r\n.\r\nQUIT\r\n',
    logs: true,
  },
  // The reason after the colon is the loader's own (dlerror in C).
  { name: 'M2 unknown backend', args: ['nosuch'], input: 'QUIT\r\n', reduce: (l) => l.replace(/nosuch: .*/, 'nosuch:') },
  { name: 'M3 unknown plugin', args: ['echo', 'nosuch'], input: 'QUIT\r\n', reduce: (l) => l.replace(/nosuch: .*/, 'nosuch:') },
  { name: 'P22 PLUGINS with + and -', args: ['echo'], vars: { ...CLIENT, PLUGINS: 'accept:+reject:-reject', REJECT: 'no' }, input: 'MAIL FROM:<a@example.com>\r\nQUIT\r\n', logs: true },
  { name: 'P23 PLUGINS=-* empties the list', args: ['echo', 'accept'], vars: { ...CLIENT, PLUGINS: '-*' }, input: 'MAIL FROM:<a@example.com>\r\nQUIT\r\n', logs: true },
];

const oracle = requireOracles(t, ['mailfront']);
if (oracle) {
  for (const c of cases) {
    t.test(c.name, async (t) => {
      const vars = c.vars ?? CLIENT;
      const [mine, c0] = await Promise.all([ours('mailfront-smtpd', c.args, vars, c.input), theirs(oracle.mailfront, 'smtp', c.args, vars, c.input)]);
      if (c.differs) {
        t.same(replies(mine).slice(1), c.differs.ours, 'ours, as documented');
        t.same(replies(c0).slice(1), c.differs.theirs, 'mailfront 2.12, as documented');
        if (c.differs.status) t.same([mine.status, c0.status], c.differs.status, 'exit statuses');
        return;
      }
      t.notMatch(mine.stdout, /(^|[^\r])\n/, 'every reply line ends in CR LF');
      const reduce = c.reduce ?? ((l: string) => l);
      t.same(replies(mine).map(reduce), replies(c0).map(reduce), 'replies');
      t.equal(mine.status, c0.status, 'exit status');
      if (c.logs) t.equal(mine.stderr, (c.theirLog ?? ((l: string) => l))(c0.stderr), 'log lines');
    });
  }
}
