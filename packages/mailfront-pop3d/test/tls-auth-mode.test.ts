// The auth mode on TLS: PROGRAM cannot be exec'd onto an encrypted
// connection, so it runs behind our TLS layer (relay.ts). Here PROGRAM is
// the bundle's own maildir mode, or a small node script.
import t from 'tap';
import { dirname, join } from 'node:path';
import { testCertificate, untrackedEnv } from '@mailfront/testkit';
import { fakeCvm, maildir } from './helpers.js';
import { tlsSession } from './tls-harness.js';

const cert = testCertificate(t, 'pop.test');
// PROGRAM is a bundle or a script: tap must not count its coverage.
const TLS = { ...(untrackedEnv({}) as Record<string, string>), TLS_CERTFILE: cert.certFile, TLS_KEYFILE: cert.keyFile };
const bundle = join(import.meta.dirname, '../dist/mailfront-pop3d.js');
const node = (script: string) => [process.execPath, '-e', script];

/** Logs in over POP3S and returns the client. */
async function loggedIn(program: string[], extra = '') {
  const dir = maildir(t);
  const s = tlsSession(['auth', 'cvm', ...program], { ...TLS, TLS_IMMEDIATE: '1' }, fakeCvm(dirname(dir), dir));
  const c = s.startTls();
  await c.lines.line();
  c.secure.write(`USER testuser\r\nPASS testpass\r\n${extra}`);
  t.equal(await c.lines.line(), '+OK ', 'USER');
  return { s, c, dir };
}

t.test('STLS, then pop3d maildir behind our TLS layer; commands pipelined after PASS are kept', async (t) => {
  const dir = maildir(t);
  const s = tlsSession(['auth', 'cvm', process.execPath, bundle, 'maildir'], TLS, fakeCvm(dirname(dir), dir));
  t.equal(await s.plain.line(), '+OK ');
  s.stdin.write('STLS\r\n');
  t.equal(await s.plain.line(), '+OK Begin TLS negotiation');
  const c = s.startTls();
  c.secure.write('USER testuser\r\nPASS testpass\r\nSTAT\r\nDELE 1\r\nQUIT\r\n');
  t.same(await c.lines.lines(6), ['+OK ', '+OK ', '+OK 3 121', '+OK ', '+OK ', null], 'the greeting of PROGRAM answers PASS');
  await c.ended;
  t.equal(await s.status, 0);
  t.same(s.actions.relayed, [[process.execPath, bundle, 'maildir']]);
  t.same(s.actions.exec, [], 'nothing exec’d onto the encrypted connection');
  t.match(s.log(), /mailfront-pop3d\[\d+\]: STAT\n/, "PROGRAM's log");
  t.match(s.log(), /mailfront-pop3d\[\d+\]: bytes in: \d+ bytes out: \d+\n$/);
});

t.test("PROGRAM's exit status, or the signal that killed it, is ours; the client's end reaches PROGRAM", async (t) => {
  const waits = await loggedIn(node("process.stdout.write('+OK hi\\r\\n'); process.stdin.resume(); process.stdin.on('end', () => process.exit(5));"));
  t.equal(await waits.c.lines.line(), '+OK hi');
  waits.c.secure.end();
  t.equal(await waits.s.status, 5);
  // SIGKILL: no signal handler (tap's, in a child under test) can turn it into an exit.
  const killed = await loggedIn(node("process.kill(process.pid, 'SIGKILL')"));
  t.equal(await killed.s.status, 137);
});

t.test('a PROGRAM that cannot run: -ERR over TLS, status 1', async (t) => {
  for (const program of ['/nonexistent/program', 'no-such-program-here']) {
    const { s, c } = await loggedIn([program]);
    t.same(await c.lines.lines(2), ['-ERR Could not execute second stage', null], program);
    t.equal(await s.status, 1);
  }
});
