// The bundle in dist/ runs on its own, on every supported Node line the
// machine has (the one running the tests, and those of tools/runtimes/).
import t from 'tap';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, scratchDir, startDnsServer, supportedRuntimes } from '@mailfront/testkit';

const bundle = join(import.meta.dirname, '../dist/mailfront-smtpd.js');
const runtimes = supportedRuntimes();

for (const { path: node, version } of runtimes) {
  t.test(`bundle on Node ${version}`, async (t) => {
    const r = await run(node, [bundle, 'echo', 'accept'], {
      env: { PATH: '/usr/bin:/bin', TCPLOCALHOST: 'mx.test' },
      input: 'EHLO c\r\nMAIL FROM:<a@b.c>\r\nRCPT TO:<d@e.f>\r\nDATA\r\nhello\r\n.\r\nQUIT\r\n',
    });
    t.equal(r.status, 0);
    t.match(r.stdout.toString(), /^220 mx\.test mailfront ESMTP\r\n[\s\S]*250 Received 6 bytes\.\r\n221 2\.0\.0 Good bye\.\r\n$/);
  });
}

// The mailauth plugin's library is a chunk beside the bundle, loaded on
// first use: it must be there and load, with no node_modules around.
for (const { path: node, version } of runtimes) {
  t.test(`bundle with the mailauth plugin on Node ${version}`, async (t) => {
    const dns = await startDnsServer({
      'good.test': { txt: ['v=spf1 ip4:192.0.2.7 -all'] },
      '_dmarc.good.test': { txt: ['v=DMARC1; p=reject'] },
    });
    t.teardown(() => dns.stop());
    const queue = scratchDir(t);
    for (const sub of ['tmp', 'new']) mkdirSync(join(queue, sub));
    const env = {
      PATH: '/usr/bin:/bin',
      TCPLOCALHOST: 'mx.test',
      TCPREMOTEIP: '192.0.2.7',
      DNSCACHEIP: dns.address,
      QUEUEDIR: queue,
      QUEUEDIR_NOSYNC: '1',
      MAILAUTH_SPF_REJECT: '1',
    };
    const message = 'From: <a@good.test>\r\nSubject: x\r\n\r\nhello\r\n.\r\n';
    const r = await run(node, [bundle, 'queuedir', 'mailauth', 'accept'], {
      env,
      input: `EHLO c\r\nMAIL FROM:<a@good.test>\r\nRCPT TO:<d@e.f>\r\nDATA\r\n${message}MAIL FROM:<x@good.test>\r\nQUIT\r\n`,
    });
    t.equal(r.status, 0);
    t.match(r.stdout.toString(), /\r\n250 2\.6\.0 Message accepted\.\r\n250 2\.1\.0 Sender accepted\.\r\n/);
    const [file] = readdirSync(join(queue, 'new'));
    const queued = readFileSync(join(queue, 'new', file!), 'latin1');
    t.match(queued, /\0\0Authentication-Results: mx\.test;\n\tspf=pass [^;]*;\n\tdkim=none [^;]*;\n\tarc=none;\n\tdmarc=pass /);
    const refused = await run(node, [bundle, 'queuedir', 'mailauth', 'accept'], {
      env: { ...env, TCPREMOTEIP: '192.0.2.8' },
      input: 'EHLO c\r\nMAIL FROM:<a@good.test>\r\nQUIT\r\n',
    });
    t.match(refused.stdout.toString(), /\r\n550 5\.7\.1 SPF: good\.test does not allow 192\.0\.2\.8 to send its mail\r\n/);
  });
}
