import t from 'tap';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ExecError } from '@mailfront/core';
import { fakeCvm, lines, maildir, session } from './helpers.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

t.test('USER/PASS then the Maildir, pipelined commands kept (reference POP6)', async (t) => {
  const dir = maildir(t);
  const cvm = fakeCvm(dirname(dir));
  const s = await session(['cvm', 'Maildir'], 'CAPA\r\nPASS x\r\nUSER testuser\r\nPASS wrong\r\nUSER testuser\r\nPASS testpass\r\nSTAT\r\nRETR 1\r\nQUIT\r\n', { TCPLOCALHOST: 'pop.example.com' }, cvm);
  t.equal(s.code, 0);
  t.same(lines(s.out).slice(0, 16), [
    '+OK ', '+OK ', 'PIPELINING', 'TOP', 'UIDL', 'USER', '.', '-ERR Send USER first', '+OK ', '-ERR Authentication failed', '+OK ', '+OK ', '+OK 3 121', '+OK ', 'Subject: one', 'From: a@example.com',
  ]);
  t.equal(lines(s.out).at(-1), '+OK ');
  t.same(s.actions.became, ['1000:100']);
  t.match(s.err, /PASS XXXXXXXX\n/);
  t.notMatch(s.err, /testpass|wrong/, 'no password in the log');
  t.ok(readdirSync(join(dir, 'cur')).includes('1000000001.111.host:2,S'));
});

t.test('AUTH with SASL (reference POP7), MAILBOX fact, default Maildir', async (t) => {
  const dir = maildir(t);
  const env = { CVM_SASL_PLAIN: 'pw', TCPLOCALHOST: 'pop.example.com' };
  const s = await session(['cvm'], `CAPA\r\nAUTH\r\nAUTH FOO\r\nAUTH LOGIN\r\n${b64('testuser')}\r\neA==\r\nAUTH PLAIN ${b64('\0testuser\0testpass')}\r\nSTAT\r\n`, env, fakeCvm(dirname(dir)));
  t.same(lines(s.out), [
    '+OK ', '+OK ', 'SASL LOGIN PLAIN', 'PIPELINING', 'TOP', 'UIDL', 'USER', '.', '+OK ', 'LOGIN', 'PLAIN', '.',
    '-ERR Unrecognized authentication mechanism.', '+ VXNlcm5hbWU6', '+ UGFzc3dvcmQ6', '-ERR Authentication failed.', '+OK ', '+OK 3 121',
  ]);
  t.match(s.err, /AUTH XXXXXXXX\n.*SASL AUTH PLAIN username=testuser\n/);
  const viaFact = await session(['cvm', 'elsewhere'], `USER testuser\r\nPASS testpass\r\nSTAT\r\n`, {}, fakeCvm('/nonexistent', dir));
  t.equal(lines(viaFact.out)[3], '+OK 3 121');
  const missing = await session(['cvm', 'NoSuchDir'], `USER testuser\r\nPASS testpass\r\nSTAT\r\n`, {}, fakeCvm(dirname(dir)));
  t.same(lines(missing.out), ['+OK ', '+OK ', '-ERR Could not chdir to maildir']);
  const sasl = await session(['cvm'], `AUTH LOGIN\r\n*\r\nAUTH PLAIN\r\n`, env, fakeCvm(dirname(dir)));
  t.same(lines(sasl.out), ['+OK ', '+ VXNlcm5hbWU6', '-ERR Authentication failed.', '+ ', '-ERR End of file reached.']);
});

t.test('limits (reference POP8, POP9), errors, QUIT', async (t) => {
  const cvm = fakeCvm('/nonexistent');
  const env = { MAXUSERCMD: '1', MAXAUTHFAIL: '2' };
  const p8 = await session(['cvm'], 'USER a\r\nPASS a\r\nUSER b\r\nPASS b\r\n', env, cvm);
  t.same(lines(p8.out), ['+OK ', '+OK ', '-ERR Authentication failed', '-ERR Too many USER commands issued']);
  const p9 = await session(['cvm'], 'USER a\r\nPASS a\r\nUSER b\r\nPASS b\r\nUSER c\r\n', { MAXAUTHFAIL: '2' }, cvm);
  t.same(lines(p9.out), ['+OK ', '+OK ', '-ERR Authentication failed', '+OK ', '-ERR Authentication failed']);
  const misc = await session(['cvm'], 'STAT\r\nUSER\r\nPASS\r\nCAPA x\r\nUSER broken\r\nPASS x\r\nQUIT x\r\nQUIT\r\nNOOP\r\n', {}, cvm);
  t.same(lines(misc.out), ['+OK ', '-ERR Unimplemented', '-ERR Syntax error', '-ERR Syntax error', '-ERR Syntax error', '+OK ', '-ERR Internal error', '-ERR Syntax error', '+OK ']);
  const eof = await session(['cvm'], 'USER a', {}, cvm);
  t.same(lines(eof.out), ['+OK ', '+OK ']);
});

t.test('privileges that cannot be taken', async (t) => {
  const cvm = fakeCvm('/nonexistent');
  cvm.authenticate = async () => ({ code: 0, facts: [], module: 'x', account: { username: 'nobody-allowed', userId: 1, groupId: 1, directory: '/', suppGroupIds: [] } });
  const s = await session(['cvm'], 'USER x\r\nPASS y\r\nSTAT\r\n', {}, cvm);
  t.same(lines(s.out), ['+OK ', '+OK ', '-ERR Internal error']);
  t.equal(s.code, 1);
});

t.test('auth mode: environment, chdir, exec', async (t) => {
  const cvm = fakeCvm('/home/testuser', '/home/testuser/Maildir');
  const s = await session(['auth', 'cvm', 'prog', '-x'], 'USER testuser\r\nPASS testpass\r\n', { KEEP: '1' }, cvm, 7);
  t.equal(s.code, 7, "the program's status (spawn fallback)");
  t.same(s.actions.chdir, ['/home/testuser']);
  t.same(s.actions.exec[0]!.argv, ['prog', '-x']);
  const env = s.actions.exec[0]!.env;
  t.same([env.USER, env.UID, env.GID, env.HOME, env.MAILDIR, env.KEEP], ['testuser', '1000', '100', '/home/testuser', '/home/testuser/Maildir', '1']);
  t.same(lines(s.out), ['+OK ', '+OK '], 'no reply to PASS: the program greets');
  const failed = await session(['auth', 'cvm', 'prog'], 'USER testuser\r\nPASS testpass\r\n', {}, cvm, new ExecError('prog', 'file does not exist'));
  t.equal(failed.code, 1);
  t.equal(lines(failed.out).at(-1), '-ERR Could not execute second stage');
  const quit = await session(['auth', 'cvm', 'prog'], 'QUIT\r\n', {}, cvm);
  t.same(lines(quit.out), ['+OK ', '+OK ']);
  t.equal(quit.actions.exec.length, 0);
});

t.test('command line and configuration', async (t) => {
  for (const argv of [[], ['auth', 'cvm'], ['maildir', 'a', 'b'], ['cvm', 'a', 'b']]) {
    const s = await session(argv, '');
    t.equal(s.code, 100, argv.join(' '));
  }
  const help = await session(['--help'], '');
  t.match(help.out, /^Usage: mailfront-pop3d /);
  const bad = await session(['cvm'], '', { TIMEOUT: 'soon' });
  t.equal(bad.code, 111);
  t.same(lines(bad.out), ['-ERR Configuration error']);
  t.match(bad.err, /Fatal: TIMEOUT="soon"/);
});
