// The bundle in dist/ runs on its own, on every supported Node line the
// machine has (the one running the tests, and those of tools/runtimes/).
import t from 'tap';
import { join } from 'node:path';
import { run, supportedRuntimes } from '@mailfront/testkit';

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
