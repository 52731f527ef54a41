// The bundle in dist/ runs on its own, on every supported Node line the
// machine has (the one running the tests, and those of tools/runtimes/).
import t from 'tap';
import { join } from 'node:path';
import { run, supportedRuntimes } from '@mailfront/testkit';

const bundle = join(import.meta.dirname, '../dist/mailfront-qmtpd.js');
const runtimes = supportedRuntimes();

for (const { path: node, version } of runtimes) {
  t.test(`bundle on Node ${version}`, async (t) => {
    const r = await run(node, [bundle, 'echo', 'accept'], {
      env: { PATH: '/usr/bin:/bin', TCPLOCALHOST: 'mx.test' },
      input: '8:\rhello\r\n,3:a@b,6:3:c@d,,7:\nhello\n,0:,12:3:e@f,3:g@h,,',
    });
    t.equal(r.status, 0);
    t.equal(r.stdout.toString(), '18:KReceived 6 bytes.,18:KReceived 6 bytes.,18:KReceived 6 bytes.,');
  });
}
