// Real POP3 clients against mailfront-pop3d under the real tcpserver on
// 127.0.0.1: Python's poplib logs in (USER/PASS, and AUTH PLAIN), lists,
// downloads and deletes every message; the Maildir is empty afterwards.
import t from 'tap';
import { join } from 'node:path';
import { requireOracles, run, startUcspiServer } from '@mailfront/testkit';
import { bundle } from '../helpers/paths.js';
import { maildirFiles, MESSAGES, pop3Fixture } from '../diff/pop3-fixture.js';

const POPLIB = `
import base64, poplib, sys
port, mode = int(sys.argv[1]), sys.argv[2]
pop = poplib.POP3('127.0.0.1', port, timeout=20)
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

t.test('Python poplib downloads and deletes through tcpserver', async (t) => {
  const c = requireOracles(t, ['tcpserver', 'python3']);
  if (!c) return;
  for (const mode of ['user', 'plain']) {
    await t.test(mode, async (t) => {
      const f = pop3Fixture(t);
      const server = await startUcspiServer({
        server: c.tcpserver,
        program: [process.execPath, bundle('mailfront-pop3d'), bundle('cvm-pwfile'), './Maildir/'],
        env: { PATH: process.env.PATH, CVM_PWFILE_PATH: f.pwfile, CVM_SASL_PLAIN: bundle('cvm-pwfile') },
      });
      t.teardown(() => server.stop());
      const r = await run(c.python3, ['-c', POPLIB, String(server.port), mode], { timeoutMs: 30_000 });
      t.equal(r.status, 0, r.stderr.toString());
      const out = r.stdout.toString();
      t.match(out, /^stat 3 121\n/);
      t.match(out, /uidl 1 1000000001\.111\.host 2 1000000002\.222\.host 3 1000000003\.333\.host\n/);
      const bodies = Object.values(MESSAGES).map((m) => m.replace(/\n$/, ''));
      t.match(out, `message 1 ${JSON.stringify(bodies[1]).replace(/"/g, "'")}`);
      t.match(out, "message 2 'Subject: two\\n\\nbody two'", 'no extra blank line at the end');
      t.match(out, /quit \+OK/);
      t.match(out, /caps PIPELINING SASL TOP UIDL USER/);
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
  for (let i = 0; i < 100 && !/bytes in:/.test(server.log()); i++) await new Promise((res) => setTimeout(res, 20));
  t.same(maildirFiles(f.maildir), before);
});
