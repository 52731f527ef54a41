// The bundle in dist/ runs on its own, on every supported Node line the
// machine has (the one running the tests, and those of tools/runtimes/).
import t from 'tap';
import { join } from 'node:path';
import { run, supportedRuntimes } from '@mailfront/testkit';

const bundle = join(import.meta.dirname, '../dist/mailfront-qmqpd.js');
const runtimes = supportedRuntimes();

for (const { path: node, version } of runtimes) {
  t.test(`bundle on Node ${version}`, async (t) => {
    const r = await run(node, [bundle, 'echo', 'accept'], {
      env: { PATH: '/usr/bin:/bin', TCPLOCALHOST: 'mx.test' },
      input: '27:6:hello\n,3:a@b,3:c@d,3:e@f,,',
    });
    t.equal(r.status, 0);
    t.equal(r.stdout.toString(), '18:KReceived 6 bytes.,');
  });
}
