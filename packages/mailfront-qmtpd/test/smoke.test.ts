// The bundle in dist/ runs on its own, on the Node running the tests and on
// the oldest supported one (Node 20) when the system has it.
import t from 'tap';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '@mailfront/testkit';

const bundle = join(import.meta.dirname, '../dist/mailfront-qmtpd.js');
const runtimes = [process.execPath, ...['/usr/bin/node'].filter((p) => existsSync(p))];

for (const node of runtimes) {
  t.test(`bundle on ${node}`, async (t) => {
    const r = await run(node, [bundle, 'echo', 'accept'], {
      env: { PATH: '/usr/bin:/bin', TCPLOCALHOST: 'mx.test' },
      input: '8:\rhello\r\n,3:a@b,6:3:c@d,,7:\nhello\n,0:,12:3:e@f,3:g@h,,',
    });
    t.equal(r.status, 0);
    t.equal(r.stdout.toString(), '18:KReceived 6 bytes.,18:KReceived 6 bytes.,18:KReceived 6 bytes.,');
  });
}
