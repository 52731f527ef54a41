// Differential tests of QMTP: the same package stream through Debian's
// `mailfront qmtp …` and through our mailfront-qmtpd: every transcript of
// reference A.8 (QMTP1–10) and mailfront's die texts. Where we answer
// differently on purpose the case says what each side answers; each such
// difference is in docs/compat-qmtp-qmqp.md.
import t from 'tap';
import { requireOracles, scratchDir } from '@mailfront/testkit';
import { CLIENT, compare, fixtures, ns, runBoth, TRANSCRIPT, type Case, type Fixtures } from './qmtp-fixtures.js';

const P1 = '6:\nbody\n,13:a@example.com,17:13:b@example.org,,';
const TWO = '12:\nSubject: t\n,13:a@example.com,34:13:b@example.org,13:c@example.org,,';
const PACKAGE_MODE = { ...TRANSCRIPT, QMTP_REPLIES: 'package' };

/** Inputs after one complete package where both sides die with the same text. */
const DIES = [
  'x:',
  '0:,',
  '5:',
  '5:\nabcd',
  '5:\nabcdX',
  '1:\n,',
  '1:\n,3:a',
  '1:\n,x',
  '1:\n,3:abcd',
  '1:\n,0:,',
  '1:\n,0:,4',
  '1:\n,0:,4:1:a,',
  '1:\n,0:,x',
  '1:\n,0:,0:x',
  '1:\n,0:,4:1:a,x',
  '1:\n,0:,4:x:ab,',
  '1:\n,0:,2:12,',
  '1:\n,0:,5:9:abc,',
  '1:\n,0:,4:1:ab,',
];

const cases = (f: Fixtures): Case[] => [
  {
    name: 'QMTP1 two recipients: one answer each',
    args: ['echo', 'accept'],
    vars: TRANSCRIPT,
    input: TWO,
    differs: { ours: ns('KReceived 11 bytes.').repeat(2), theirs: ns('KReceived 11 bytes.'), status: [0, 0] },
  },
  { name: 'QMTP1 under QMTP_REPLIES=package', args: ['echo', 'accept'], vars: PACKAGE_MODE, input: TWO, logs: true },
  { name: 'QMTP2 sender refused (550 → D)', args: ['echo', 'accept-recipient'], vars: TRANSCRIPT, input: P1, logs: true },
  { name: 'QMTP3 two packages pipelined', args: ['echo', 'accept'], vars: TRANSCRIPT, input: P1 + '7:\nbody2\n,0:,17:13:c@example.org,,', logs: true },
  {
    name: 'QMTP4 the CRLF encoding is taken',
    args: ['echo', 'accept'],
    vars: TRANSCRIPT,
    input: '7:\rbody\r\n,13:a@example.com,17:13:b@example.org,,',
    differs: { ours: ns('KReceived 5 bytes.'), theirs: ns('ZCannot handle non-LF line terminator'), status: [0, 111] },
  },
  { name: 'QMTP4 another first byte', args: ['echo', 'accept'], vars: TRANSCRIPT, input: '5:xbody,0:,0:,', logs: true },
  { name: 'QMTP5 invalid body netstring', args: ['echo', 'accept'], vars: TRANSCRIPT, input: 'x:', logs: true },
  { name: 'QMTP6 zero-length body', args: ['echo', 'accept'], vars: TRANSCRIPT, input: '0:,', logs: true },
  {
    name: 'QMTP7 one refused recipient refuses only itself',
    args: ['echo', 'counters', 'accept'],
    vars: { ...TRANSCRIPT, MAXRCPTS: '1' },
    input: '6:\nbody\n,13:a@example.com,34:13:b@example.org,13:c@example.org,,',
    differs: { ours: ns('KReceived 5 bytes.') + ns('D5.5.3 Too many recipients'), theirs: ns('D5.5.3 Too many recipients'), status: [0, 0] },
  },
  {
    name: 'QMTP7 under QMTP_REPLIES=package',
    args: ['echo', 'counters', 'accept'],
    vars: { ...PACKAGE_MODE, MAXRCPTS: '1' },
    input: '6:\nbody\n,13:a@example.com,34:13:b@example.org,13:c@example.org,,',
    logs: true,
  },
  { name: 'QMTP8 add-received and queuedir: the NUL after the envelope', args: ['queuedir', 'add-received', 'accept'], vars: TRANSCRIPT, input: P1, logs: true, queuedir: 'nul' },
  { name: 'QMTP9 truncated input', args: ['echo', 'accept'], vars: TRANSCRIPT, input: '6:\nbody\n,13:a@example.com,17:13:b@exa', logs: true },
  {
    name: 'QMTP10 empty recipient list: no answer, nothing queued',
    args: ['echo', 'accept'],
    vars: TRANSCRIPT,
    input: '6:\nbody\n,13:a@example.com,0:,',
    differs: { ours: '', theirs: ns('KReceived 5 bytes.'), status: [0, 0] },
  },
  { name: 'QMTP10 under QMTP_REPLIES=package', args: ['echo', 'accept'], vars: PACKAGE_MODE, input: '6:\nbody\n,13:a@example.com,0:,', logs: true },
  ...DIES.map((tail) => ({ name: `die after a good package: ${JSON.stringify(tail)}`, args: ['echo', 'accept'], vars: TRANSCRIPT, input: P1 + tail })),
  { name: 'end of input part-way through a length', args: ['echo', 'accept'], input: P1 + '12', logs: true },
  { name: 'message over DATABYTES', args: ['echo', 'counters', 'accept'], vars: { ...TRANSCRIPT, DATABYTES: '3' }, input: P1, logs: true },
  { name: 'reject plugin: temporary (Z)', args: ['echo', 'accept-sender', 'reject'], vars: { ...TRANSCRIPT, REJECT: 'nope' }, input: P1, logs: true },
  { name: 'mailrules: a multi-line refusal in one netstring', args: ['echo', 'mailrules', 'accept'], vars: { ...CLIENT, MAILRULES: f.rules }, input: '6:\nbody\n,14:spam@x.example,17:13:b@example.org,,', logs: true },
  {
    name: 'qmail backend: message and envelope bytes',
    args: ['qmail', 'add-received', 'accept'],
    vars: { ...CLIENT, QMAILHOME: f.qm, QMAILQUEUE: f.qq },
    input: '20:\nSubject: x\n\nbody\n,13:a@example.com,17:13:b@example.org,,',
    queue: true,
    logs: true,
  },
  { name: 'qmail backend: qmail-queue exit 31', args: ['qmail', 'accept'], vars: { ...CLIENT, QMAILHOME: f.qm, QMAILQUEUE: f.qq, QQEXIT: '31' }, input: P1, logs: true },
  { name: 'input ends inside the body', args: ['echo', 'accept'], vars: TRANSCRIPT, input: '20:\nab\ncd\n', logs: true },
  {
    // mailfront's echo backend logs the first two lines of the first block and
    // crashes when that block has no LF at all; ours logs it.
    name: 'echo backend: a first block without LF',
    args: ['echo', 'accept'],
    vars: TRANSCRIPT,
    input: '12:\nabc',
    differs: { ours: ns('ZEOF while reading body'), theirs: '', status: [111, null] },
  },
  {
    name: 'a recipient with a NUL byte',
    args: ['echo', 'accept'],
    vars: TRANSCRIPT,
    input: '1:\n,0:,4:1:\0,,',
    differs: { ours: ns('D5.1.3 Recipient address contains a NUL byte.'), theirs: ns('KReceived 0 bytes.'), status: [0, 0] },
  },
  {
    name: 'a message length without digits',
    args: ['echo', 'accept'],
    vars: TRANSCRIPT,
    input: ':,',
    differs: { ours: ns('ZInvalid message body netstring'), theirs: ns('ZZero length message'), status: [111, 111] },
  },
  {
    name: 'a huge sender length',
    args: ['echo', 'accept'],
    vars: TRANSCRIPT,
    input: '1:\n,99999999999999999999:',
    differs: { ours: ns('ZNetstring length too long'), theirs: '', status: [111, null] },
  },
  {
    name: 'a recipient of 1001 bytes',
    args: ['echo', 'accept'],
    vars: TRANSCRIPT,
    input: '1:\n,0:,' + ns(ns('x'.repeat(1001))),
    differs: { ours: ns('D5.1.3 Recipient address too long.'), theirs: ns('KReceived 0 bytes.'), status: [0, 0] },
  },
  {
    name: 'sender refused, malformed recipient list',
    args: ['echo', 'accept-recipient'],
    vars: TRANSCRIPT,
    input: '1:\n,3:a@b,4:junk,',
    differs: { ours: ns('ZInvalid netstring length'), theirs: ns('D5.1.0 Mail system is not configured to accept that sender'), status: [111, 0] },
  },
  { name: 'sender refused, malformed recipient list, QMTP_REPLIES=package', args: ['echo', 'accept-recipient'], vars: PACKAGE_MODE, input: '1:\n,3:a@b,4:junk,', logs: true },
  { name: 'a recipient list cut short inside an item', args: ['echo', 'accept'], vars: TRANSCRIPT, input: '1:\n,0:,3:1:a', logs: true },
  {
    name: 'a bad numeric setting',
    args: ['echo', 'counters', 'accept'],
    vars: { ...TRANSCRIPT, DATABYTES: '10k' },
    input: P1,
    differs: { ours: ns('Z4.3.0 Mail server configuration error.'), theirs: ns('KReceived 5 bytes.'), status: [1, 0] },
  },
  {
    name: 'a length without digits',
    args: ['echo', 'accept'],
    vars: TRANSCRIPT,
    input: '1:\n,:,0:,',
    differs: { ours: ns('ZInvalid sender netstring'), theirs: ns('KReceived 0 bytes.'), status: [111, 0] },
  },
];

const oracle = requireOracles(t, ['mailfront']);
if (oracle) {
  const f = fixtures(scratchDir(t));
  for (const c of cases(f)) {
    t.test(c.name, async (t) => {
      compare(t, c, await runBoth(t, oracle.mailfront, 'qmtp', c));
    });
  }
  t.test('start-up failure: unknown backend, in place of any answer', async (t) => {
    const c: Case = { name: 'M2', args: ['nosuch'], input: P1 };
    const [mine, c0] = await runBoth(t, oracle.mailfront, 'qmtp', c);
    const reduce = (s: string) => s.replace(/^\d+:(Z4\.3\.0 Error loading backend nosuch:).*,$/s, '$1');
    t.equal(reduce(mine.session.stdout), reduce(c0.session.stdout));
    t.equal(reduce(mine.session.stdout), 'Z4.3.0 Error loading backend nosuch:');
    t.equal(mine.session.status, c0.session.status);
  });
}
