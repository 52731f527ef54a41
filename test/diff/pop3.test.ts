// Differential tests of mailfront-pop3d against Debian's pop3front-maildir
// and pop3front-auth on the Maildir of reference A.0 (sessions A.10): the
// same input gives the same replies, exit status and Maildir afterwards.
// The only differences allowed are those of docs/compat-pop3.md, and each
// is checked here on its own.
import t from 'tap';
import type { Test } from 'tap';
import { requireOracles, run } from '@mailfront/testkit';
import { bundle } from '../helpers/paths.js';
import { maildirFiles, pop3Fixture } from './pop3-fixture.js';

const OURS = bundle('mailfront-pop3d');
const OUR_PWFILE = bundle('cvm-pwfile');
const ORACLES = ['pop3front-maildir', 'pop3front-auth', 'cvm-pwfile'] as const;

interface Outcome {
  stdout: string;
  status: number | null;
  files: string[];
}

/** C adds an empty line before the end of every RETR/TOP (compat: "no extra blank line"). */
const withoutExtraBlankLine = (s: string) => s.replace(/\r\n\r\n\.\r\n/g, '\r\n.\r\n');

async function session(program: string, args: string[], input: string, env: Record<string, string>, maildir: string): Promise<Outcome> {
  const r = await run(program, args, { input, env: { PATH: process.env.PATH!, ...env }, timeoutMs: 30_000 });
  if (r.timedOut) throw new Error(`${program} hung`);
  return { stdout: r.stdout.toString('latin1'), status: r.status, files: maildirFiles(maildir) };
}

type Oracles = Record<(typeof ORACLES)[number], string>;

async function compareMaildir(t: Test, c: Oracles, input: string, env: Record<string, string> = {}) {
  const a = pop3Fixture(t);
  const b = pop3Fixture(t);
  const theirs = await session(c['pop3front-maildir'], [a.maildir], input, env, a.maildir);
  const ours = await session(process.execPath, [OURS, 'maildir', b.maildir], input, env, b.maildir);
  t.equal(ours.stdout, withoutExtraBlankLine(theirs.stdout), 'replies');
  t.equal(ours.status, theirs.status, 'exit status');
  t.same(ours.files, theirs.files, 'Maildir afterwards');
}

t.test('pop3front-maildir sessions (A.10 POP1-POP5)', async (t) => {
  const c = requireOracles(t, ORACLES);
  if (!c) return;
  const sessions: Array<[string, string, Record<string, string>?]> = [
    ['POP1', 'CAPA\r\nSTAT\r\nLIST\r\nLIST 2\r\nUIDL\r\nUIDL 3\r\nTOP 1 1\r\nRETR 1\r\nLAST\r\nDELE 2\r\nDELE 2\r\nLIST 2\r\nSTAT\r\nRETR 9\r\nRETR x\r\nRETR\r\nnoop\r\nBOGUS\r\nUSER x\r\n'],
    ['POP2', 'RETR 1\r\nDELE 3\r\nQUIT\r\n'],
    ['POP3 without the RSET', 'DELE 1\r\nSTAT\r\nQUIT extra\r\nQUIT\r\n'],
    ['POP4', 'STAT\r\n', { MAILBOX: '/nonexistent' }],
    ['numbers', 'LIST 0\r\nLIST -1\r\nLIST 4\r\nLIST x\r\nUIDL 1 2\r\nUIDL 0\r\nDELE\r\nDELE 3 4\r\nTOP 1 x\r\nTOP -1 1\r\nTOP 9 1\r\nTOP 2 0\r\nTOP 1 10\r\nRETR -1\r\nSTAT x\r\nLAST 1\r\nNOOP 1\r\nQUIT\r\n'],
    ['mixed case and spaces', 'stat\r\nlist   2\r\nuidl\t1\r\nRetr 3\r\nQuit\r\n'],
    ['capa with SASL', 'CAPA\r\n', { CVM_SASL_PLAIN: 'x' }],
    ['limits', 'STAT\r\nLIST\r\nQUIT\r\n', { MAX_NEW_MESSAGES: '1', MAX_CUR_MESSAGES: '1' }],
  ];
  for (const [name, input, env] of sessions) await t.test(name, (t) => compareMaildir(t, c, input, env));
});

t.test('pop3front-auth sessions (A.10 POP6-POP10), our auth stage in front of the C maildir', async (t) => {
  const c = requireOracles(t, ORACLES);
  if (!c) return;
  const cases: Array<[string, string, Record<string, string>]> = [
    ['POP6 no pipelining after PASS', 'CAPA\r\nPASS x\r\nUSER testuser\r\nPASS wrong\r\nUSER testuser\r\nPASS testpass\r\n', {}],
    ['POP7', `CAPA\r\nAUTH\r\nAUTH FOO\r\nAUTH LOGIN\r\ndGVzdHVzZXI=\r\neA==\r\nAUTH PLAIN AHRlc3R1c2VyAHRlc3RwYXNz\r\n`, { CVM_SASL_PLAIN: '@CVM@' }],
    ['POP8', 'USER a\r\nPASS a\r\nUSER b\r\nPASS b\r\n', { MAXUSERCMD: '1', MAXAUTHFAIL: '2' }],
    ['POP9', 'USER a\r\nPASS a\r\nUSER b\r\nPASS b\r\nUSER c\r\n', { MAXAUTHFAIL: '2' }],
    ['auth stage odds', 'STAT\r\nNOOP\r\nUSER\r\nPASS\r\nUSER a b\r\nCAPA x\r\nauth login\r\n*\r\nAUTH PLAIN !!!\r\nAUTH PLAIN\r\n=\r\nAPOP a b\r\nQUIT x\r\nQUIT\r\n', { CVM_SASL_PLAIN: '@CVM@' }],
    ['user@domain', 'USER testuser@pop.example.com\r\nPASS testpass\r\n', {}],
  ];
  for (const [name, input, vars] of cases) {
    await t.test(name, async (t) => {
      const a = pop3Fixture(t);
      const b = pop3Fixture(t);
      const env = (f: { pwfile: string }, cvm: string) => ({
        TCPLOCALHOST: 'pop.example.com',
        CVM_PWFILE_PATH: f.pwfile,
        ...Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, v.replace('@CVM@', cvm)])),
      });
      const theirs = await session(c['pop3front-auth'], [c['cvm-pwfile'], c['pop3front-maildir'], a.maildir], input, env(a, c['cvm-pwfile']), a.maildir);
      const ours = await session(process.execPath, [OURS, 'auth', OUR_PWFILE, c['pop3front-maildir'], b.maildir], input, env(b, OUR_PWFILE), b.maildir);
      t.equal(ours.stdout, theirs.stdout, 'replies');
      t.equal(ours.status, theirs.status, 'exit status');
      t.same(ours.files, theirs.files, 'Maildir afterwards');
    });
  }
});

t.test('one process: the same replies as the C pair when nothing is pipelined after PASS', async (t) => {
  const c = requireOracles(t, ORACLES);
  if (!c) return;
  const a = pop3Fixture(t);
  const b = pop3Fixture(t);
  const env = (f: { pwfile: string }) => ({ TCPLOCALHOST: 'pop.example.com', CVM_PWFILE_PATH: f.pwfile });
  const login = 'USER testuser\r\nPASS testpass\r\n';
  const theirs = await session(c['pop3front-auth'], [c['cvm-pwfile'], c['pop3front-maildir'], a.maildir], login, env(a), a.maildir);
  const ours = await session(process.execPath, [OURS, OUR_PWFILE, b.maildir], login, env(b), b.maildir);
  t.equal(ours.stdout, theirs.stdout);
  t.same(ours.files, theirs.files);
});

t.test('deliberate differences (docs/compat-pop3.md)', async (t) => {
  const c = requireOracles(t, ORACLES);
  if (!c) return;
  const a = pop3Fixture(t);
  const b = pop3Fixture(t);
  // POP11: RETR n k and TOP n.
  const input = 'RETR 1 0\r\nTOP 3\r\nRETR 2\r\nQUIT\r\n';
  const theirs = await session(c['pop3front-maildir'], [a.maildir], input, {}, a.maildir);
  const ours = await session(process.execPath, [OURS, 'maildir', b.maildir], input, {}, b.maildir);
  t.match(theirs.stdout, /^\+OK \r\n\+OK \r\nSubject: one\r\nFrom: a@example.com\r\n\r\n\r\n\.\r\n/, 'C: RETR 1 0 acts as TOP');
  t.match(ours.stdout, /^\+OK \r\n-ERR Syntax error\r\n-ERR Syntax error\r\n\+OK \r\nSubject: two\r\n\r\nbody two\r\n\.\r\n/, 'ours: RETR n k and TOP n are syntax errors, no blank line added');
  t.ok(theirs.files.includes('cur/1000000003.333.host:2,S'), 'C: TOP n marked message 3 read');
  t.ok(ours.files.includes('cur/1000000003.333.host'), 'ours: TOP never marks read');
  // RSET keeps the read mark of a RETR (C re-scans and forgets it).
  const c2 = pop3Fixture(t);
  const o2 = pop3Fixture(t);
  const reset = 'RETR 1\r\nRSET\r\nQUIT\r\n';
  t.ok((await session(c['pop3front-maildir'], [c2.maildir], reset, {}, c2.maildir)).files.includes('cur/1000000001.111.host'), 'C: read mark lost');
  t.ok((await session(process.execPath, [OURS, 'maildir', o2.maildir], reset, {}, o2.maildir)).files.includes('cur/1000000001.111.host:2,S'), 'ours: kept');
  // Pipelining after PASS: C loses STAT, ours answers it.
  const login = 'USER testuser\r\nPASS testpass\r\nSTAT\r\nQUIT\r\n';
  const env = (f: { pwfile: string }) => ({ TCPLOCALHOST: 'pop.example.com', CVM_PWFILE_PATH: f.pwfile });
  const cAuth = await session(c['pop3front-auth'], [c['cvm-pwfile'], c['pop3front-maildir'], a.maildir], login, env(a), a.maildir);
  const oneProcess = await session(process.execPath, [OURS, OUR_PWFILE, b.maildir], login, env(b), b.maildir);
  t.equal(cAuth.stdout, '+OK \r\n+OK \r\n+OK \r\n', 'C: STAT and QUIT were lost across the exec');
  t.equal(oneProcess.stdout, '+OK \r\n+OK \r\n+OK \r\n+OK 3 121\r\n+OK \r\n', 'ours: answered');
});
