// Differential tests of QMQP: the same package through Debian's
// `mailfront qmqp …` and through our mailfront-qmqpd: every transcript of
// reference A.8 (QMQP1–8) and mailfront's die texts. Where we answer
// differently on purpose the case says what each side answers; each such
// difference is in docs/compat-qmtp-qmqp.md.
import t from 'tap';
import { requireOracles, scratchDir } from '@mailfront/testkit';
import { CLIENT, compare, fixtures, ns, runBoth, TRANSCRIPT, type Case, type Fixtures } from './qmtp-fixtures.js';

const TEST = '42:5:test\n,13:a@example.com,13:b@example.com,,';

/** Packages where both sides die with the same text (each wrapper length is right, or never reached). */
const DIES = [
  'abc',
  '4:x',
  '9:0:,',
  '9:5:test\n',
  '9:5:test\nx',
  '20:5:test\n,',
  '20:5:test\n,1',
  '20:5:test\n,1:a',
  '20:5:test\n,1:ab',
  '20:5:test\n,x',
  '20:5:test\n,0:,',
  '20:5:test\n,0:,1',
  '20:5:test\n,0:,1:',
  '20:5:test\n,0:,1:a',
  '20:5:test\n,0:,1:ab',
  '20:5:test\n,0:,1:a,x',
  '20:5:test\n,0:,x',
  TEST.slice(0, -1),
];

const cases = (f: Fixtures): Case[] => [
  { name: 'QMQP1 one message', args: ['echo', 'accept'], vars: TRANSCRIPT, input: '49:11:Subject: t\n,13:a@example.com,13:b@example.org,,', logs: true },
  { name: 'QMQP2 no accepting plugin: sender refused (D)', args: ['echo'], vars: TRANSCRIPT, input: TEST, logs: true },
  { name: 'QMQP3 one package per connection', args: ['echo', 'accept'], vars: TRANSCRIPT, input: TEST + TEST, logs: true },
  { name: 'QMQP4 bad wrapper', args: ['echo', 'accept'], vars: TRANSCRIPT, input: 'abc', logs: true },
  { name: 'QMQP5 EOF before the end of the recipient list', args: ['echo', 'accept'], vars: TRANSCRIPT, input: TEST.slice(0, -1), logs: true },
  {
    name: 'QMQP6 a multi-line answer in one netstring',
    args: ['echo', 'mailrules', 'accept'],
    vars: { ...TRANSCRIPT, MAILRULES: f.rules },
    input: '43:5:test\n,14:spam@x.example,13:b@example.com,,',
    logs: true,
  },
  {
    name: 'QMQP7 a wrapper length that does not match is refused',
    args: ['echo', 'accept'],
    vars: TRANSCRIPT,
    input: '1:5:test\n,13:a@example.com,13:b@example.com,,',
    differs: { ours: ns('ZInvalid wrapper netstring'), theirs: ns('KReceived 5 bytes.'), status: [111, 0] },
  },
  {
    name: 'QMQP8 as recorded: its wrapper says 26 for a 25-byte package',
    args: ['echo', 'accept'],
    vars: TRANSCRIPT,
    input: '26:5:test\n,13:a@example.com,,',
    differs: { ours: ns('ZInvalid wrapper netstring'), theirs: ns('KReceived 5 bytes.'), status: [111, 0] },
  },
  { name: 'QMQP8 no recipients, wrapper right', args: ['echo', 'accept'], vars: TRANSCRIPT, input: '25:5:test\n,13:a@example.com,,', logs: true },
  ...DIES.map((input) => ({ name: `die: ${JSON.stringify(input)}`, args: ['echo', 'accept'], vars: TRANSCRIPT, input, logs: true })),
  { name: 'nothing sent', args: ['echo', 'accept'], input: '', logs: true },
  { name: 'a refused recipient; the rest still logged', args: ['echo', 'mailrules', 'accept'], vars: { ...CLIENT, MAILRULES: f.rules }, input: ns(ns('m\n') + ns('a@b') + ns('x!y@z') + ns('c@d')), logs: true },
  { name: 'message over DATABYTES', args: ['echo', 'counters', 'accept'], vars: { ...TRANSCRIPT, DATABYTES: '3' }, input: TEST, logs: true },
  { name: 'queuedir: the NUL after the envelope', args: ['queuedir', 'add-received', 'accept'], input: TEST, logs: true, queuedir: 'nul' },
  {
    name: 'qmail backend: message and envelope bytes',
    args: ['qmail', 'add-received', 'accept'],
    vars: { ...CLIENT, QMAILHOME: f.qm, QMAILQUEUE: f.qq },
    input: ns(ns('Subject: x\n\nbody\n') + ns('a@example.com') + ns('b@example.org') + ns('c@example.org')),
    queue: true,
    logs: true,
  },
  {
    name: 'input ends inside the body length',
    args: ['echo', 'accept'],
    vars: TRANSCRIPT,
    input: '9:5',
    differs: { ours: ns('ZEOF while reading body'), theirs: '', status: [111, 0] },
  },
  { name: 'input ends inside the body', args: ['echo', 'accept'], vars: TRANSCRIPT, input: '20:15:te\nst\n', logs: true },
  {
    // mailfront's echo backend crashes on a first block without LF (see qmtp.test.ts).
    name: 'echo backend: a first block without LF',
    args: ['echo', 'accept'],
    vars: TRANSCRIPT,
    input: '9:5:test',
    differs: { ours: ns('ZEOF while reading body'), theirs: '', status: [111, null] },
  },
  {
    name: 'a recipient with a NUL byte',
    args: ['echo', 'accept'],
    vars: TRANSCRIPT,
    input: '15:5:test\n,0:,1:\0,,',
    differs: { ours: ns('D5.1.3 Recipient address contains a NUL byte.'), theirs: ns('KReceived 5 bytes.'), status: [0, 0] },
  },
];

const oracle = requireOracles(t, ['mailfront']);
if (oracle) {
  const f = fixtures(scratchDir(t));
  for (const c of cases(f)) {
    t.test(c.name, async (t) => {
      compare(t, c, await runBoth(t, oracle.mailfront, 'qmqp', c));
    });
  }
}
