// STLS (RFC 2595), POP3S (TLS_IMMEDIATE), AUTH_REQUIRES_TLS and the TLS
// settings, with a real TLS client on in-memory pipes.
import t from 'tap';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { testCertificate } from '@mailfront/testkit';
import { fakeCvm, lines, maildir, session } from './helpers.js';
import { tlsSession } from './tls-harness.js';

const cert = testCertificate(t, 'pop.test');
const TLS = { TLS_CERTFILE: cert.certFile, TLS_KEYFILE: cert.keyFile, TCPLOCALHOST: 'pop.test' };
const CAPA = ['PIPELINING', 'TOP', 'UIDL', 'USER'];

t.test('CAPA offers STLS, last, only with a certificate; STLS takes no argument', async (t) => {
  const cvm = fakeCvm('/nonexistent');
  const on = await session(['cvm'], 'CAPA\r\nSTLS now\r\n', TLS, cvm);
  t.same(lines(on.out), ['+OK ', '+OK ', ...CAPA, 'STLS', '.', '-ERR Syntax error']);
  const off = await session(['cvm'], 'CAPA\r\nSTLS\r\n', {}, cvm);
  t.same(lines(off.out), ['+OK ', '+OK ', ...CAPA, '.', '-ERR Unimplemented'], 'without TLS it is an unknown command');
});

t.test('AUTH_REQUIRES_TLS: no USER, PASS or AUTH in plaintext, and none of it counts', async (t) => {
  const env = { ...TLS, AUTH_REQUIRES_TLS: '1', CVM_SASL_PLAIN: 'pw', MAXAUTHFAIL: '1', MAXUSERCMD: '1' };
  const s = await session(['cvm'], 'CAPA\r\nUSER a\r\nUSER b\r\nPASS x\r\nAUTH\r\nAUTH PLAIN AGEAYg==\r\nNOOP\r\nQUIT\r\n', env, fakeCvm('/nonexistent'));
  const refused = '-ERR Authentication requires TLS: send STLS first';
  t.same(lines(s.out), ['+OK ', '+OK ', 'PIPELINING', 'TOP', 'UIDL', 'STLS', '.', refused, refused, refused, refused, refused, '-ERR Unimplemented', '+OK ']);
  t.equal(s.code, 0);
  const empty = await session(['cvm'], 'USER a\r\n', { ...TLS, AUTH_REQUIRES_TLS: '' }, fakeCvm('/nonexistent'));
  t.same(lines(empty.out), ['+OK ', refused], 'set is on, whatever the value (as for SMTP)');
  const immediateOff = await session(['cvm'], 'USER a\r\n', { TLS_IMMEDIATE: '0' }, fakeCvm('/nonexistent'));
  t.same(lines(immediateOff.out), ['+OK ', '+OK '], 'TLS_IMMEDIATE=0 is off');
});

t.test('STLS: pipelined bytes dropped, USER forgotten, no second STLS, Maildir served over TLS', async (t) => {
  const dir = maildir(t);
  const s = tlsSession(['cvm'], { ...TLS, AUTH_REQUIRES_TLS: '1', CVM_SASL_PLAIN: 'pw' }, fakeCvm(dirname(dir)));
  t.equal(await s.plain.line(), '+OK ');
  // The injection: a plaintext command in the same packet as STLS.
  s.stdin.write('STLS\r\nQUIT\r\n');
  t.equal(await s.plain.line(), '+OK Begin TLS negotiation');
  const c = s.startTls();
  c.secure.write('CAPA\r\n');
  t.equal(await c.lines.line(), '+OK ');
  t.same(await c.lines.multiLine(), ['SASL LOGIN PLAIN', ...CAPA], 'authentication offered, STLS no more');
  c.secure.write('STLS\r\nUSER testuser\r\nPASS testpass\r\nSTAT\r\nRETR 3\r\nQUIT\r\n');
  t.same(await c.lines.lines(4), ['-ERR Unimplemented', '+OK ', '+OK ', '+OK 3 121']);
  t.equal(await c.lines.line(), '+OK ');
  t.same(await c.lines.multiLine(), ['Subject: three', '', 'body three']);
  t.same(await c.lines.lines(2), ['+OK ', null]);
  await c.ended;
  t.equal(await s.status, 0);
  t.match(s.log(), /Warning: discarded 6 bytes sent before the TLS handshake/);
  t.match(s.log(), /TLS TLSv1\.3 /);
  t.ok(readdirSync(join(dir, 'cur')).includes('1000000003.333.host:2,S'));
});

t.test('what the client said before STLS is forgotten', async (t) => {
  const s = tlsSession(['cvm'], TLS, fakeCvm('/nonexistent'));
  await s.plain.line();
  s.stdin.write('USER testuser\r\nSTLS\r\n');
  t.same(await s.plain.lines(2), ['+OK ', '+OK Begin TLS negotiation']);
  const c = s.startTls();
  c.secure.end('PASS testpass\r\n');
  t.same(await c.lines.lines(2), ['-ERR Send USER first', null]);
  t.equal(await s.status, 0);
});

t.test('TLS_IMMEDIATE (POP3S): the greeting comes over TLS, no STLS', async (t) => {
  const dir = maildir(t);
  const s = tlsSession(['cvm'], { ...TLS, TLS_IMMEDIATE: '1' }, fakeCvm(dirname(dir)));
  const c = s.startTls();
  t.equal(await c.lines.line(), '+OK ');
  c.secure.write('CAPA\r\nSTLS\r\nUSER testuser\r\nPASS testpass\r\nLIST 1\r\nQUIT\r\n');
  t.equal(await c.lines.line(), '+OK ');
  t.same(await c.lines.multiLine(), CAPA);
  t.same(await c.lines.lines(6), ['-ERR Unimplemented', '+OK ', '+OK ', '+OK 1 69', '+OK ', null]);
  t.equal(await s.status, 0);
});

t.test('a failed handshake ends the session with status 1', async (t) => {
  const s = tlsSession(['cvm'], TLS, fakeCvm('/nonexistent'));
  await s.plain.line();
  s.stdin.write('STLS\r\nUSER x\r\n');
  t.equal(await s.plain.line(), '+OK Begin TLS negotiation');
  s.stdin.write('this is no TLS client\r\n\r\n');
  t.equal(await s.status, 1);
  t.match(s.log(), /discarded 8 bytes sent before the TLS handshake\n.*TLS handshake failed/, 'the injection is logged all the same');
  const immediate = tlsSession(['cvm'], { ...TLS, TLS_IMMEDIATE: '1' }, fakeCvm('/nonexistent'));
  immediate.stdin.end('USER plaintext\r\n');
  t.equal(await immediate.status, 1);
  t.notMatch(immediate.log(), /USER/, 'nothing read as a command');
});

t.test('bad TLS settings stop start-up (111); the maildir mode ignores them', async (t) => {
  const missing = await session(['cvm'], 'QUIT\r\n', { TLS_CERTFILE: '/nonexistent.pem' });
  t.equal(missing.code, 111);
  t.same(lines(missing.out), ['-ERR Configuration error']);
  t.match(missing.err, /Fatal: TLS_CERTFILE="\/nonexistent\.pem" is not a readable file \(ENOENT\)/);
  const wrongKey = await session(['auth', 'cvm', 'prog'], 'QUIT\r\n', { TLS_CERTFILE: cert.certFile });
  t.equal(wrongKey.code, 111);
  t.match(wrongKey.err, /Fatal: TLS_CERTFILE=.* is not a usable certificate and key/);
  const immediate = await session(['cvm'], 'QUIT\r\n', { TLS_IMMEDIATE: '1' });
  t.equal(immediate.code, 111);
  t.equal(immediate.out, '', 'no plaintext for a client that waits for a TLS handshake');
  t.match(immediate.err, /Fatal: TLS_IMMEDIATE="1" is not usable without TLS_CERTFILE/);
  const auth = await session(['cvm'], 'QUIT\r\n', { AUTH_REQUIRES_TLS: 'yes' });
  t.equal(auth.code, 111);
  t.match(auth.err, /Fatal: AUTH_REQUIRES_TLS="yes" is not usable without TLS_CERTFILE/);
  const dir = maildir(t);
  const m = await session(['maildir', dir], 'STAT\r\n', { TLS_CERTFILE: '/nonexistent.pem', TLS_IMMEDIATE: '1', AUTH_REQUIRES_TLS: '1' });
  t.same(lines(m.out), ['+OK ', '+OK 3 121']);
});
