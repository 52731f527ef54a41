// The bundle runs on its own: one session through the real cvm-pwfile bundle.
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { run } from '@mailfront/testkit';
import { maildir } from './helpers.js';

const bundle = join(import.meta.dirname, '../dist/mailfront-pop3d.js');
const pwfile = resolve(import.meta.dirname, '../../cvm-pwfile/dist/cvm-pwfile.js');

t.test('USER/PASS through cvm-pwfile, then RETR and QUIT', async (t) => {
  const dir = maildir(t);
  const home = dirname(dir);
  writeFileSync(join(home, 'pwfile'), `testuser:testpass:${process.getuid!()}:${process.getgid!()}:Test User:${home}:/bin/sh\n`);
  const r = await run(process.execPath, [bundle, pwfile], {
    env: { PATH: `${dirname(process.execPath)}:/usr/bin:/bin`, CVM_PWFILE_PATH: join(home, 'pwfile'), TCPLOCALHOST: 'pop.test' },
    input: 'USER testuser\r\nPASS testpass\r\nSTAT\r\nRETR 3\r\nQUIT\r\n',
  });
  t.equal(r.status, 0);
  t.equal(r.stdout.toString(), '+OK \r\n+OK \r\n+OK \r\n+OK 3 121\r\n+OK \r\nSubject: three\r\n\r\nbody three\r\n.\r\n+OK \r\n');
  t.match(r.stderr.toString(), /mailfront-pop3d\[\d+\]: PASS username=testuser\n/);
});
