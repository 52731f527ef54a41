import t from 'tap';
import { readdirSync, writeFileSync, chmodSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { lines, maildir, session } from './helpers.js';

const files = (dir: string) => ['cur', 'new'].flatMap((d) => readdirSync(join(dir, d)).map((n) => `${d}/${n}`)).sort();

t.test('reference POP1: every command, nothing changes without QUIT', async (t) => {
  const dir = maildir(t);
  const before = files(dir);
  const s = await session(['maildir', dir], 'CAPA\r\nSTAT\r\nLIST\r\nLIST 2\r\nUIDL\r\nUIDL 3\r\nTOP 1 1\r\nRETR 1\r\nLAST\r\nDELE 2\r\nDELE 2\r\nLIST 2\r\nSTAT\r\nRETR 9\r\nRETR x\r\nRETR\r\nnoop\r\nBOGUS\r\nUSER x\r\n');
  t.equal(s.code, 0);
  t.same(lines(s.out), [
    '+OK ', '+OK ', 'PIPELINING', 'TOP', 'UIDL', 'USER', '.',
    '+OK 3 121',
    '+OK ', '1 69', '2 25', '3 27', '.',
    '+OK 2 25',
    '+OK ', '1 1000000001.111.host', '2 1000000002.222.host', '3 1000000003.333.host', '.',
    '+OK 3 1000000003.333.host',
    '+OK ', 'Subject: one', 'From: a@example.com', '', 'line1', '.',
    '+OK ', 'Subject: one', 'From: a@example.com', '', 'line1', '..line2 starts with dot', 'line3', '.',
    '+OK 2', '+OK ', '-ERR Message was deleted', '-ERR Message was deleted', '+OK 2 96',
    '-ERR Message number out of range', '-ERR Message number out of range', '-ERR Syntax error',
    '+OK ', '-ERR Unimplemented', '-ERR Unimplemented',
  ]);
  t.match(s.err, /mailfront-pop3d\[\d+\]: bytes in: 136 bytes out: \d+\n$/);
  t.same(files(dir), before, 'no QUIT: nothing changed');
});

t.test('reference POP2: QUIT moves new to cur, marks read, deletes', async (t) => {
  const dir = maildir(t);
  const s = await session(['maildir', dir], 'RETR 1\r\nDELE 3\r\nQUIT\r\n');
  t.equal(lines(s.out).at(-1), '+OK ');
  t.same(files(dir), ['cur/1000000001.111.host:2,S', 'cur/1000000002.222.host,S=25:2,S']);
});

t.test('RSET undeletes and keeps read marks (RFC 1939); TOP never marks read', async (t) => {
  const dir = maildir(t);
  const s = await session(['maildir', dir], 'RETR 1\r\nTOP 3 0\r\nDELE 1\r\nSTAT\r\nRSET\r\nSTAT\r\nLAST\r\nRSET x\r\nQUIT extra\r\nQUIT\r\n');
  t.same(lines(s.out).slice(-8), ['+OK ', '+OK 2 52', '+OK ', '+OK 3 121', '+OK 2', '-ERR Syntax error', '-ERR Syntax error', '+OK ']);
  t.same(files(dir), ['cur/1000000001.111.host:2,S', 'cur/1000000002.222.host,S=25:2,S', 'cur/1000000003.333.host']);
});

t.test('RETR n k and TOP n are syntax errors; TOP n k counts body lines', async (t) => {
  const dir = maildir(t);
  const s = await session(['maildir', dir], 'RETR 1 0\r\nTOP 3\r\nTOP 1 x\r\nTOP 1 2\r\nTOP x 1\r\nTOP -1 1\r\nLIST 0\r\nUIDL 1 2\r\nLIST -1\r\nLAST\r\n');
  t.same(lines(s.out).slice(1), [
    '-ERR Syntax error', '-ERR Syntax error', '-ERR Syntax error',
    '+OK ', 'Subject: one', 'From: a@example.com', '', 'line1', '..line2 starts with dot', '.',
    '-ERR Message number out of range', '-ERR Syntax error', '-ERR Message number out of range', '-ERR Syntax error', '-ERR Syntax error', '+OK 2',
  ]);
});

t.test('message bytes: CRLF already there, no final newline, flags kept in order', async (t) => {
  const dir = maildir(t);
  writeFileSync(join(dir, 'cur/2000000000.1.host:2,RT'), 'A: b\r\n\r\n.\r\nlast');
  const s = await session(['maildir', dir], 'RETR 4\r\nQUIT\r\n');
  t.match(s.out, /\+OK \r\nA: b\r\n\r\n\.\.\r\nlast\r\n\.\r\n/);
  t.ok(files(dir).includes('cur/2000000000.1.host:2,RST'));
});

t.test('MAILBOX, errors, limits, CAPA with SASL', async (t) => {
  const dir = maildir(t);
  const viaEnv = await session(['maildir', '/nonexistent'], 'STAT\r\n', { MAILBOX: dir });
  t.equal(lines(viaEnv.out)[1], '+OK 3 121');
  const bad = await session(['maildir', dir], 'STAT\r\n', { MAILBOX: '/nonexistent' });
  t.same(lines(bad.out), ['-ERR Could not chdir to maildir']);
  const none = await session(['maildir'], 'STAT\r\n');
  t.equal(none.out, '');
  t.match(none.err, /Error: Mailbox not specified/);
  chmodSync(join(dir, 'new'), 0o000);
  const noAccess = await session(['maildir', join(dir, 'new')], 'STAT\r\n');
  chmodSync(join(dir, 'new'), 0o755);
  t.ok(noAccess.out.startsWith('-ERR'), 'a directory without cur/new');
  const limited = await session(['maildir', dir], 'STAT\r\n', { MAX_NEW_MESSAGES: '1' });
  t.match(lines(limited.out)[1], /^\+OK 2 (94|52)$/, 'one of new/ (in directory order) and the one of cur/');
  const total = await session(['maildir', dir], 'STAT\r\n', { MAX_MESSAGES: '1', MAX_CUR_MESSAGES: '5' });
  t.equal(lines(total.out)[1], '+OK 1 25');
  const capa = await session(['maildir', dir], 'CAPA\r\nCAPA x\r\n', { CVM_SASL_PLAIN: 'x', CVM_SASL_CRAM_MD5: 'y' });
  t.same(lines(capa.out).slice(1, 4), ['+OK ', 'PIPELINING', 'TOP'], 'no SASL line once authenticated');
  t.equal(lines(capa.out).at(-1), '-ERR Syntax error');
  const long = await session(['maildir', dir], `${'x'.repeat(5000)}\r\nNOOP\r\n`);
  t.same(lines(long.out).slice(1), ['-ERR Line too long', '+OK ']);
  t.ok(dirname(dir));
});

t.test('a vanished message and unreadable ones', async (t) => {
  const dir = maildir(t);
  const { rmSync } = await import('node:fs');
  const s = session(['maildir', dir], [Buffer.from('STAT\r\n')]);
  await s;
  rmSync(join(dir, 'new/1000000003.333.host'));
  const gone = await session(['maildir', dir], 'STAT\r\n');
  t.equal(lines(gone.out)[1], '+OK 2 94');
  chmodSync(join(dir, 'new/1000000001.111.host'), 0o000);
  const uid = process.getuid?.();
  const r = await session(['maildir', dir], 'RETR 1\r\nQUIT\r\n');
  if (uid !== 0) t.equal(lines(r.out)[1], '-ERR Could not open that message');
  else t.pass('root reads everything');
});
