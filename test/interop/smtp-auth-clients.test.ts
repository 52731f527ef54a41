// SMTP AUTH with real clients: Python's smtplib and swaks log in with PLAIN,
// LOGIN and CRAM-MD5 to our mailfront-smtpd under tcpserver, the password
// checked by the C cvm-pwfile and by ours (command mode). CRAM-MD5 never
// worked with C mailfront (libcvm-sasl decodes the digest one byte off).
import t from 'tap';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findTool, requireOracles, run, scratchDir, startUcspiServer } from '@mailfront/testkit';
import { bundle } from '../helpers/paths.js';

const oracles = requireOracles(t, ['tcpserver', 'cvm-pwfile', 'swaks']);
const python = findTool('python3');

const SMTPLIB = `
import smtplib, sys
port, mech = int(sys.argv[1]), sys.argv[2]
with smtplib.SMTP('127.0.0.1', port, timeout=20) as s:
    s.ehlo('client')
    s.user, s.password = 'joe', 'secret'
    method = {'PLAIN': s.auth_plain, 'LOGIN': s.auth_login, 'CRAM-MD5': s.auth_cram_md5}[mech]
    code, text = s.auth(mech, method)
    assert code == 235, (code, text)
    s.sendmail('joe@example.com', ['far@elsewhere.example'], 'Subject: ' + mech + '\\r\\n\\r\\nhi\\r\\n')
    s.user, s.password = 'joe', 'wrong'
print('ok')
`;

if (oracles) {
  const modules = { 'C cvm-pwfile': oracles['cvm-pwfile'], 'our cvm-pwfile': bundle('cvm-pwfile') };
  for (const [name, module] of Object.entries(modules)) {
    t.test(`smtplib and swaks, every mechanism, ${name}`, async (t) => {
      const dir = scratchDir(t);
      for (const sub of ['tmp', 'new']) mkdirSync(join(dir, sub));
      writeFileSync(join(dir, 'pwfile'), 'joe:secret:1000:1000:Joe:/home/joe:/bin/sh\n');
      const s = await startUcspiServer({
        server: oracles.tcpserver,
        program: [process.execPath, bundle('mailfront-smtpd'), 'queuedir', 'cvm-authenticate', 'require-auth', 'relayclient', 'accept-sender'],
        env: { PATH: process.env.PATH, QUEUEDIR: dir, CVM_SASL_PLAIN: module, CVM_SASL_CRAM_MD5: module, CVM_PWFILE_PATH: join(dir, 'pwfile') },
      });
      t.teardown(() => s.stop());
      // The C cvm-pwfile cannot check CRAM-MD5 (it answers 7, which SASL
      // reports as 451); ours can, with passwords stored in clear.
      const cram = name === 'our cvm-pwfile';
      const mechanisms = cram ? ['PLAIN', 'LOGIN', 'CRAM-MD5'] : ['PLAIN', 'LOGIN'];
      if (python) {
        for (const mech of mechanisms) {
          const r = await run(python, ['-c', SMTPLIB, String(s.port), mech]);
          t.equal(r.status, 0, `smtplib ${mech}: ${r.stderr.toString().split('\n').slice(-2).join(' ')}`);
        }
      }
      for (const mech of mechanisms) {
        const r = await run(oracles.swaks, ['--server', '127.0.0.1', '--port', String(s.port), '--auth', mech, '--auth-user', 'joe', '--auth-password', 'secret', '--from', 'joe@example.com', '--to', 'far@elsewhere.example']);
        t.match(r.stdout.toString(), /235 2\.7\.0 Authentication succeeded\./, `swaks ${mech}`);
      }
      if (!cram) {
        const r = await run(oracles.swaks, ['--server', '127.0.0.1', '--port', String(s.port), '--auth', 'CRAM-MD5', '--auth-user', 'joe', '--auth-password', 'secret', '--from', 'joe@example.com', '--to', 'far@elsewhere.example']);
        t.match(r.stdout.toString(), /451 Internal error\./, 'CRAM-MD5 through a module that cannot check it: temporary failure');
      }
      const wrong = await run(oracles.swaks, ['--server', '127.0.0.1', '--port', String(s.port), '--auth', 'PLAIN', '--auth-user', 'joe', '--auth-password', 'nope', '--from', 'joe@example.com', '--to', 'x@y.example']);
      t.match(wrong.stdout.toString(), /501 Authentication failed\./);
      t.equal(readdirSync(join(dir, 'new')).length, (python ? mechanisms.length : 0) + mechanisms.length, 'every authenticated message was queued');
    });
  }
}
