// The submission service example (docs/examples/submission) runs as shipped,
// under the real chpst and mailfront-tcpsvd: swaks authenticates after STARTTLS and
// its message reaches qmail-queue; without AUTH the sender is refused, and
// before STARTTLS AUTH is not offered.
import t from 'tap';
import { spawn } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, LineClient, requireOracles, run, scratchDir, testCertificate, untrackedEnv, waitFor } from '@mailfront/testkit';
import { bundle, ROOT } from '../helpers/paths.js';

const oracles = requireOracles(t, ['chpst', 'swaks']);
if (oracles) {
  t.test('submission runscript: AUTH after STARTTLS, then relay', async (t) => {
    const dir = scratchDir(t);
    const service = join(dir, 'submission');
    cpSync(join(ROOT, 'docs/examples/submission'), service, { recursive: true });
    const port = await freePort();
    const qmail = join(dir, 'qmail');
    mkdirSync(join(qmail, 'bin'), { recursive: true });
    writeFileSync(join(qmail, 'bin/qmail-queue'), `#!/bin/sh\ncat > "${dir}/msg"\ncat <&1 > "${dir}/env"\n`);
    chmodSync(join(qmail, 'bin/qmail-queue'), 0o755);
    writeFileSync(join(dir, 'pwfile'), 'joe:secret:1000:1000:Joe:/home/joe:/bin/sh\n');
    const socket = join(dir, 'pwfile.sock');
    const cert = testCertificate(t);
    const set = (name: string, value: string) => writeFileSync(join(service, 'env', name), value + '\n');
    set('LISTEN', '127.0.0.1');
    set('PORT', String(port));
    set('QMAILHOME', qmail);
    set('CVM_SASL_PLAIN', `cvm-local:${socket}`);
    set('TLS_CERTFILE', cert.bothFile);

    // The password service, as its own runscript would start it.
    const pwfile = spawn(process.execPath, [bundle('cvm-pwfile'), `cvm-local:${socket}`], {
      env: untrackedEnv({ PATH: process.env.PATH, CVM_PWFILE_PATH: join(dir, 'pwfile') }),
      stdio: 'ignore',
    });
    t.teardown(() => void pwfile.kill());
    await waitFor(`${socket}`, () => existsSync(socket));

    // PATH as an installation would have it: our binaries (and the Node they need), then the system.
    const path = `${join(ROOT, 'node_modules/.bin')}:/usr/bin:/bin:/usr/sbin:/sbin`;
    const service_ = spawn('./run', [], { cwd: service, env: untrackedEnv({ PATH: path }), stdio: 'ignore' });
    t.teardown(() => void service_.kill());
    await waitFor(`the service to listen on port ${port}`, () =>
      LineClient.connect(port).then(
        (client) => (client.close(), true),
        () => false,
      ),
    );

    const plain = await LineClient.connect(port);
    t.match((await plain.readReply())[0], /^220 /);
    plain.send('EHLO c\r\nMAIL FROM:<joe@example.com>\r\n');
    const ehlo = await plain.readReply();
    t.ok(ehlo.includes('250 STARTTLS') || ehlo.includes('250-STARTTLS'));
    t.notOk(ehlo.some((l) => l.includes('AUTH')), 'no AUTH before TLS');
    t.same(await plain.readReply(), ['530 5.7.1 You must authenticate first.']);
    plain.close();

    const swaks = await run(oracles.swaks, [
      '--server', '127.0.0.1', '--port', String(port), '--tls', '--auth', 'PLAIN', '--auth-user', 'joe', '--auth-password', 'secret',
      '--from', 'joe@example.com', '--to', 'friend@elsewhere.example', '--body', 'sent through submission',
    ]);
    t.equal(swaks.status, 0, swaks.stdout.toString());
    t.match(swaks.stdout.toString(), /235 2\.7\.0 Authentication succeeded\./);
    t.equal(readFileSync(join(dir, 'env'), 'latin1'), 'Fjoe@example.com\0Tfriend@elsewhere.example\0\0');
    t.match(readFileSync(join(dir, 'msg'), 'latin1'), /sent through submission/);
  });
}
