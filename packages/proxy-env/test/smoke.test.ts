// The bundle in dist/, as runscripts run it, on every supported Node line
// the machine has: the header is taken from fd 0 (a pipe here; the socket
// under tcpsvd in test/interop), PROGRAM replaces proxy-env through execve
// and reads the rest of the input untouched.
import t from 'tap';
import { join } from 'node:path';
import { haproxyV1, haproxyV2, run, supportedRuntimes } from '@mailfront/testkit';

const bundle = join(import.meta.dirname, '../dist/proxy-env.js');
const ENDS = { source: '2001:db8::5', sourcePort: 41234, destination: '192.0.2.1', destinationPort: 25 };
const program = ['/bin/sh', '-c', 'echo "$TCPREMOTEIP $TCPREMOTEPORT $TCPLOCALIP $TCPLOCALPORT"; cat; exit 3'];
const env = { PATH: '/usr/bin:/bin', TCPREMOTEIP: '10.0.0.5', PROXY_FROM: '10.0.0.0/8' };

t.test('--version', async (t) => {
  const r = await run(bundle, ['--version']);
  t.equal(r.status, 0);
  t.equal(r.stdout.toString(), 'proxy-env 0.1.0\n');
});

for (const { path: node, version } of supportedRuntimes()) {
  t.test(`Node ${version}: v1 and v2 headers, the rest of the input passes to PROGRAM`, async (t) => {
    for (const header of [haproxyV1(ENDS), haproxyV2(ENDS)]) {
      const r = await run(node, [bundle, ...program], { input: Buffer.concat([header, Buffer.from('EHLO x\r\nQUIT\r\n')]), env });
      t.equal(r.status, 3, r.stderr.toString());
      t.equal(r.stdout.toString(), '2001:db8::5 41234 192.0.2.1 25\nEHLO x\r\nQUIT\r\n');
      t.match(r.stderr.toString(), /^proxy-env\[\d+\]: v[12] from 10\.0\.0\.5: client 2001:db8::5 port 41234, to 192\.0\.2\.1 port 25\n$/);
    }
  });

  t.test(`Node ${version}: a bad header closes the connection with status 1`, async (t) => {
    const r = await run(node, [bundle, ...program], { input: 'EHLO x\r\n', env });
    t.equal(r.status, 1);
    t.equal(r.stdout.toString(), '');
    t.match(r.stderr.toString(), /refused 10\.0\.0\.5: not a PROXY protocol header/);
  });
}
