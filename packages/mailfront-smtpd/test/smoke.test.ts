// The bundle in dist/ runs on its own, on the Node running the tests and on
// the oldest supported one (Node 20) when the system has it.
import t from 'tap';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '@mailfront/testkit';

const bundle = join(import.meta.dirname, '../dist/mailfront-smtpd.js');
const runtimes = [process.execPath, ...['/usr/bin/node'].filter((p) => existsSync(p))];

for (const node of runtimes) {
  t.test(`bundle on ${node}`, async (t) => {
    const r = await run(node, [bundle, 'echo', 'accept'], {
      env: { PATH: '/usr/bin:/bin', TCPLOCALHOST: 'mx.test' },
      input: 'EHLO c\r\nMAIL FROM:<a@b.c>\r\nRCPT TO:<d@e.f>\r\nDATA\r\nhello\r\n.\r\nQUIT\r\n',
    });
    t.equal(r.status, 0);
    t.match(r.stdout.toString(), /^220 mx\.test mailfront ESMTP\r\n[\s\S]*250 Received 6 bytes\.\r\n221 2\.0\.0 Good bye\.\r\n$/);
  });
}
