// Real SMTP clients (swaks, Python's smtplib) talk to our mailfront-smtpd
// run by the real tcpserver and tcpsvd on 127.0.0.1, and the messages they
// send arrive whole in a queue directory.
import t from 'tap';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findTool, LineClient, requireOracles, run, scratchDir, startUcspiServer, testCertificate } from '@mailfront/testkit';
import { bundle } from '../helpers/paths.js';

const oracles = requireOracles(t, ['tcpserver', 'tcpsvd', 'swaks']);
const python = findTool('python3');

function queue(t: { teardown(fn: () => void): void }) {
  const dir = scratchDir(t);
  for (const sub of ['tmp', 'new']) mkdirSync(join(dir, sub));
  return { dir, files: () => readdirSync(join(dir, 'new')).map((n) => readFileSync(join(dir, 'new', n), 'latin1')) };
}

const SMTPLIB = `
import smtplib, sys
port = int(sys.argv[1])
with smtplib.SMTP('127.0.0.1', port, timeout=20) as s:
    code, caps = s.ehlo('python.client')
    assert code == 250, code
    assert s.has_extn('pipelining') and s.has_extn('8bitmime'), caps
    refused = s.sendmail('py@example.com', ['one@example.org', 'two@example.org'],
        'Subject: from smtplib\\r\\n\\r\\n.leading dot\\r\\nline two\\r\\n')
    assert refused == {}, refused
    s.sendmail('py@example.com', ['three@example.org'], 'Subject: second\\r\\n\\r\\nagain\\r\\n')
print('ok')
`;

if (oracles) {
  for (const server of ['tcpserver', 'tcpsvd'] as const) {
    t.test(`swaks and smtplib through ${server}`, async (t) => {
      const q = queue(t);
      const s = await startUcspiServer({
        server: oracles[server],
        program: [process.execPath, bundle('mailfront-smtpd'), 'queuedir', 'add-received', 'accept'],
        env: { PATH: process.env.PATH, QUEUEDIR: q.dir },
      });
      t.teardown(() => s.stop());

      const swaks = await run(oracles.swaks, [
        '--server', '127.0.0.1', '--port', String(s.port), '--pipeline',
        '--from', 'swaks@example.com', '--to', 'rcpt@example.org',
        '--header', 'Subject: from swaks', '--body', 'hello from swaks', '--helo', 'swaks.client',
      ]);
      t.equal(swaks.status, 0, swaks.stdout.toString());
      t.match(swaks.stdout.toString(), /<- +250 2\.6\.0 Message accepted\./);

      if (python) {
        const py = await run(python, ['-c', SMTPLIB, String(s.port)]);
        t.equal(py.status, 0, py.stderr.toString());
        t.equal(py.stdout.toString(), 'ok\n');
      }

      const files = q.files().sort();
      t.equal(files.length, python ? 3 : 1);
      const fromSwaks = files.find((f) => f.startsWith('swaks@example.com\0'))!;
      t.match(fromSwaks, /^swaks@example\.com\0rcpt@example\.org\0\0Received: from swaks\.client \(\[127\.0\.0\.1\]\)\n  by mx\.test \(\[127\.0\.0\.1\]\)\n  with ESMTP via TCP; /);
      t.match(fromSwaks, /\nSubject: from swaks\n[\s\S]*\n\nhello from swaks\n+$/);
      if (python) {
        const first = files.find((f) => f.includes('one@example.org'))!;
        t.match(first, /^py@example\.com\0one@example\.org\0two@example\.org\0\0Received: /);
        t.match(first, /\nSubject: from smtplib\n\n\.leading dot\nline two\n$/, 'dot-stuffing undone, CRLF stored as LF');
      }
    });
  }
}

const STARTTLS_SMTPLIB = `
import smtplib, ssl, sys
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
with smtplib.SMTP('127.0.0.1', int(sys.argv[1]), timeout=20) as s:
    s.ehlo('python.client')
    assert s.has_extn('starttls')
    s.starttls(context=ctx)
    s.ehlo('python.client')
    assert not s.has_extn('starttls')
    s.sendmail('tls@example.com', ['t@example.org'], 'Subject: over tls\\r\\n\\nsecret\\r\\n')
print('ok')
`;

if (oracles) {
  t.test('STARTTLS and implicit TLS with swaks and smtplib through tcpserver', async (t) => {
    const cert = testCertificate(t);
    const q = queue(t);
    const env = { PATH: process.env.PATH, QUEUEDIR: q.dir, TLS_CERTFILE: cert.bothFile };
    const program = [process.execPath, bundle('mailfront-smtpd'), 'queuedir', 'accept'];
    const starttls = await startUcspiServer({ server: oracles.tcpserver, program, env });
    t.teardown(() => starttls.stop());
    const implicit = await startUcspiServer({ server: oracles.tcpserver, program, env: { ...env, TLS_IMMEDIATE: '1' } });
    t.teardown(() => implicit.stop());

    const swaks = (port: number, flag: string) =>
      run(oracles.swaks, ['--server', '127.0.0.1', '--port', String(port), flag, '--from', 'tls@example.com', '--to', 't@example.org', '--body', `via ${flag}`]);
    const viaStarttls = await swaks(starttls.port, '--tls');
    t.equal(viaStarttls.status, 0, viaStarttls.stdout.toString());
    t.match(viaStarttls.stdout.toString(), /TLS started with cipher/);
    const viaImplicit = await swaks(implicit.port, '--tlsc');
    t.equal(viaImplicit.status, 0, viaImplicit.stdout.toString());
    if (python) {
      const py = await run(python, ['-c', STARTTLS_SMTPLIB, String(starttls.port)]);
      t.equal(py.status, 0, py.stderr.toString());
    }
    const bodies = q.files().map((f) => f.split('\0\0')[1]);
    t.ok(bodies.some((b) => b!.includes('via --tls')));
    t.ok(bodies.some((b) => b!.includes('via --tlsc')));

    // A command pipelined with STARTTLS in plaintext is never executed.
    const c = await LineClient.connect(starttls.port);
    await c.readReply();
    c.send('EHLO x\r\nMAIL FROM:<a@b.c>\r\nSTARTTLS\r\nRCPT TO:<injected@example.org>\r\n');
    t.equal((await c.readReply()).at(-1), '250 STARTTLS');
    t.match((await c.readReply())[0], /^250 /);
    t.same(await c.readReply(), ['220 2.0.0 Ready to start TLS'], 'no reply to the injected RCPT');
    c.close();
  });
}
