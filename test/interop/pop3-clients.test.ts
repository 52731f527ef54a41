// Real POP3 clients against mailfront-pop3d under the real tcpserver on
// 127.0.0.1: Python's poplib logs in (USER/PASS, and AUTH PLAIN), in
// plaintext, after STLS and over POP3S, lists, downloads and deletes every
// message; the Maildir is empty afterwards. (mpop: pop3-mpop.test.ts.)
import t from 'tap';
import { join } from 'node:path';
import { LineClient, requireOracles, run, startUcspiServer, testCertificate, waitFor } from '@mailfront/testkit';
import { bundle } from '../helpers/paths.js';
import { maildirFiles, MESSAGES, pop3Fixture } from '../diff/pop3-fixture.js';

const POPLIB = `
import base64, poplib, ssl, sys
port, transport, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
if transport == 'pop3s':
    pop = poplib.POP3_SSL('127.0.0.1', port, timeout=20, context=ctx)
else:
    pop = poplib.POP3('127.0.0.1', port, timeout=20)
if transport == 'stls':
    print('before', ' '.join(sorted(pop.capa())))
    pop.stls(ctx)
    print('cipher', pop.sock.version())
caps = pop.capa()
if mode == 'plain':
    pop._shortcmd('AUTH PLAIN ' + base64.b64encode(b'\\0testuser\\0testpass').decode())
else:
    pop.user('testuser')
    pop.pass_('testpass')
count, size = pop.stat()
print('stat', count, size)
print('uidl', ' '.join(u.decode() for u in pop.uidl()[1]))
for n in range(1, count + 1):
    lines = pop.retr(n)[1]
    print('message', n, repr(b'\\n'.join(lines).decode()))
    pop.dele(n)
print('quit', pop.quit().decode())
print('caps', ' '.join(sorted(caps)))
`;

/** How the client reaches the server, and the server settings that go with it. */
const TRANSPORTS: Record<string, (certFile: string) => Record<string, string>> = {
  plain: () => ({}),
  stls: (certFile) => ({ TLS_CERTFILE: certFile, AUTH_REQUIRES_TLS: '1' }),
  pop3s: (certFile) => ({ TLS_CERTFILE: certFile, TLS_IMMEDIATE: '1' }),
};

t.test('Python poplib downloads and deletes through tcpserver', async (t) => {
  const c = requireOracles(t, ['tcpserver', 'python3']);
  if (!c) return;
  const cert = testCertificate(t, 'mx.test');
  for (const [transport, mode] of [['plain', 'user'], ['plain', 'plain'], ['stls', 'user'], ['pop3s', 'plain']] as const) {
    await t.test(`${transport} ${mode}`, async (t) => {
      const f = pop3Fixture(t);
      const server = await startUcspiServer({
        server: c.tcpserver,
        program: [process.execPath, bundle('mailfront-pop3d'), bundle('cvm-pwfile'), './Maildir/'],
        env: { PATH: process.env.PATH, CVM_PWFILE_PATH: f.pwfile, CVM_SASL_PLAIN: bundle('cvm-pwfile'), ...TRANSPORTS[transport]!(cert.bothFile) },
      });
      t.teardown(() => server.stop());
      const r = await run(c.python3, ['-c', POPLIB, String(server.port), transport, mode], { timeoutMs: 30_000 });
      t.equal(r.status, 0, r.stderr.toString());
      const out = r.stdout.toString();
      t.match(out, /^stat 3 121\n/m);
      t.match(out, /uidl 1 1000000001\.111\.host 2 1000000002\.222\.host 3 1000000003\.333\.host\n/);
      const bodies = Object.values(MESSAGES).map((m) => m.replace(/\n$/, ''));
      t.match(out, `message 1 ${JSON.stringify(bodies[1]).replace(/"/g, "'")}`);
      t.match(out, "message 2 'Subject: two\\n\\nbody two'", 'no extra blank line at the end');
      t.match(out, /quit \+OK/);
      t.match(out, /caps PIPELINING SASL TOP UIDL USER\n/, 'no STLS once on TLS');
      if (transport === 'stls') {
        t.match(out, /^before PIPELINING STLS TOP UIDL\n/, 'AUTH_REQUIRES_TLS: no USER, no SASL before STLS');
        t.match(out, /cipher TLSv1\.[23]\n/);
      }
      t.same(maildirFiles(f.maildir), [], 'every message deleted');
      t.match(server.log(), /mailfront-pop3d\[\d+\]: QUIT/);
      t.ok(join(f.home));
    });
  }
});

t.test('a client that disconnects without QUIT changes nothing', async (t) => {
  const c = requireOracles(t, ['tcpserver', 'python3']);
  if (!c) return;
  const f = pop3Fixture(t);
  const server = await startUcspiServer({
    server: c.tcpserver,
    program: [process.execPath, bundle('mailfront-pop3d'), bundle('cvm-pwfile'), './Maildir/'],
    env: { PATH: process.env.PATH, CVM_PWFILE_PATH: f.pwfile },
  });
  t.teardown(() => server.stop());
  const script = `
import poplib, sys
pop = poplib.POP3('127.0.0.1', int(sys.argv[1]), timeout=20)
pop.user('testuser'); pop.pass_('testpass')
pop.retr(1); pop.dele(2)
pop.sock.close()
`;
  const before = maildirFiles(f.maildir);
  const r = await run(c.python3, ['-c', script, String(server.port)], { timeoutMs: 30_000 });
  t.equal(r.status, 0, r.stderr.toString());
  await waitFor('the session to end', () => /bytes in:/.test(server.log()));
  t.same(maildirFiles(f.maildir), before);
});

t.test('STLS under tcpserver: a command pipelined with it is dropped, never run', async (t) => {
  const c = requireOracles(t, ['tcpserver']);
  if (!c) return;
  const f = pop3Fixture(t);
  const cert = testCertificate(t, 'mx.test');
  const server = await startUcspiServer({
    server: c.tcpserver,
    program: [process.execPath, bundle('mailfront-pop3d'), bundle('cvm-pwfile'), './Maildir/'],
    env: { PATH: process.env.PATH, CVM_PWFILE_PATH: f.pwfile, TLS_CERTFILE: cert.bothFile },
  });
  t.teardown(() => server.stop());
  const client = await LineClient.connect(server.port);
  t.equal(await client.readLine(), '+OK ');
  client.send('STLS\r\nUSER injected\r\n');
  t.equal(await client.readLine(), '+OK Begin TLS negotiation');
  // Not a TLS client: the handshake fails and the session ends.
  client.send('QUIT\r\n');
  t.equal(await client.readAll(), '', 'no reply to the injected USER');
  await waitFor('the session to end', () => /bytes in:/.test(server.log()));
  t.match(server.log(), /Warning: discarded 15 bytes sent before the TLS handshake/);
  t.match(server.log(), /TLS handshake failed/);
  t.notMatch(server.log(), /USER injected/);
});

t.test("auth mode on TLS: the C pop3front-maildir runs behind our TLS layer", async (t) => {
  const c = requireOracles(t, ['tcpserver', 'python3', 'pop3front-maildir']);
  if (!c) return;
  const f = pop3Fixture(t);
  const cert = testCertificate(t, 'mx.test');
  const server = await startUcspiServer({
    server: c.tcpserver,
    program: [process.execPath, bundle('mailfront-pop3d'), 'auth', bundle('cvm-pwfile'), c['pop3front-maildir'], './Maildir/'],
    env: { PATH: process.env.PATH, CVM_PWFILE_PATH: f.pwfile, CVM_SASL_PLAIN: bundle('cvm-pwfile'), TLS_CERTFILE: cert.bothFile },
  });
  t.teardown(() => server.stop());
  const r = await run(c.python3, ['-c', POPLIB, String(server.port), 'stls', 'user'], { timeoutMs: 30_000 });
  t.equal(r.status, 0, r.stderr.toString());
  t.match(r.stdout.toString(), /^stat 3 121\n/m);
  t.match(r.stdout.toString(), /quit \+OK/);
  t.same(maildirFiles(f.maildir), [], 'every message deleted');
  t.match(server.log(), /pop3front-maildir\[\d+\]: QUIT/);
});

t.test('a client that drops an STLS session without QUIT: nothing changes, the server ends', async (t) => {
  const c = requireOracles(t, ['tcpserver', 'python3']);
  if (!c) return;
  const f = pop3Fixture(t);
  const cert = testCertificate(t, 'mx.test');
  const server = await startUcspiServer({
    server: c.tcpserver,
    program: [process.execPath, bundle('mailfront-pop3d'), bundle('cvm-pwfile'), './Maildir/'],
    env: { PATH: process.env.PATH, CVM_PWFILE_PATH: f.pwfile, TLS_CERTFILE: cert.bothFile },
  });
  t.teardown(() => server.stop());
  const script = `
import poplib, ssl, sys
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
pop = poplib.POP3('127.0.0.1', int(sys.argv[1]), timeout=20)
pop.stls(ctx)
pop.user('testuser'); pop.pass_('testpass')
pop.retr(1); pop.dele(2)
pop.sock.close()
`;
  const before = maildirFiles(f.maildir);
  const r = await run(c.python3, ['-c', script, String(server.port)], { timeoutMs: 30_000 });
  t.equal(r.status, 0, r.stderr.toString());
  // The probe connections of startUcspiServer log "bytes in: 0"; this session read more.
  const ended = /bytes in: [1-9]/;
  await waitFor('the session to end', () => ended.test(server.log()));
  t.match(server.log(), ended, 'the session ended');
  t.same(maildirFiles(f.maildir), before);
});
