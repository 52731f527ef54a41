// The seed's runscript on loopback: iprules-make, then
// tcpsvd -x iprules.cdb … rblsmtpd -r ZONE <SMTP server>, with the real
// tcpsvd, our iprules.cdb and rblsmtpd, a DNS list served by the test, and a
// stand-in SMTP server (a shell script printing its 220 line).
import t from 'tap';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LineClient, requireOracles, run, scratchDir, startDnsServer, startUcspiServer, waitFor } from '@mailfront/testkit';

const ROOT = resolve(import.meta.dirname, '../..');
const RBLSMTPD = join(ROOT, 'packages/rblsmtpd/dist/rblsmtpd.js');
const IPRULES_MAKE = join(ROOT, 'packages/iprules-make/dist/iprules-make.js');
const SMTPD = ['/bin/sh', '-c', 'echo "220 real smtpd ESMTP RBLSMTPD=[${RBLSMTPD-unset}]"; read line; echo "221 bye"'];

async function session(port: number, from: string): Promise<string[]> {
  const client = await LineClient.connect(port, '127.0.0.1', from);
  const lines: string[] = [];
  try {
    const greeting = await client.readLine();
    if (greeting === null) return lines;
    lines.push(greeting);
    for (const command of ['EHLO x', 'RCPT TO:<a@b>', 'QUIT']) {
      client.send(command + '\r\n');
      const line = await client.readLine();
      if (line === null) break;
      lines.push(line);
      if (line.startsWith('221')) break;
    }
  } finally {
    client.close();
  }
  return lines;
}

t.test('tcpsvd -x iprules.cdb … rblsmtpd … smtpd', async (t) => {
  const c = requireOracles(t, ['tcpsvd']);
  if (!c) return;
  const dns = await startDnsServer({
    '6.0.0.127.bl.test': { a: ['127.0.0.2'], txt: ['listed by the test list'] },
    '5.0.0.127.bl.test': { a: ['127.0.0.2'], txt: ['whitelisted by the rules, never asked'] },
  });
  t.teardown(() => dns.stop());
  const dir = scratchDir(t);
  mkdirSync(join(dir, 'iprules'));
  writeFileSync(join(dir, 'iprules/127.0.0.4'), '+RBLSMTPD=-listed\n');
  writeFileSync(join(dir, 'iprules/127.0.0.5'), '+RBLSMTPD=\n');
  writeFileSync(join(dir, 'iprules/127.0.0.8'), '');
  chmodSync(join(dir, 'iprules/127.0.0.8'), 0);
  t.equal((await run(IPRULES_MAKE, [], { cwd: dir })).status, 0, 'iprules-make || exit 1');
  const server = await startUcspiServer({
    server: c.tcpsvd,
    serverArgs: ['-v', '-x', './iprules.cdb'],
    program: [RBLSMTPD, '-t', '5', '-r', 'bl.test', ...SMTPD],
    cwd: dir,
    env: { PATH: process.env.PATH, DNSCACHEIP: dns.address },
  });
  t.teardown(() => server.stop());

  t.same(await session(server.port, '127.0.0.4'), ['220 rblsmtpd.local', '250 rblsmtpd.local', '553 listed', '221 rblsmtpd.local'], 'rules: RBLSMTPD=-listed');
  t.same(await session(server.port, '127.0.0.5'), ['220 real smtpd ESMTP RBLSMTPD=[]', '221 bye'], 'rules: RBLSMTPD empty, the list is not asked');
  t.same(await session(server.port, '127.0.0.6'), ['220 rblsmtpd.local', '250 rblsmtpd.local', '451 listed by the test list', '221 rblsmtpd.local'], 'DNS list');
  t.same(await session(server.port, '127.0.0.7'), ['220 real smtpd ESMTP RBLSMTPD=[unset]', '221 bye'], 'clean client');
  t.same(await session(server.port, '127.0.0.8'), [], 'denied by the rules');
  t.notOk(dns.queries.some((q) => q.name.startsWith('5.0.0.127')), 'a whitelisted client causes no DNS query');
  await waitFor('both refusals in the log', () => /127\.0\.0\.4 pid \d+: 553 /.test(server.log()) && /127\.0\.0\.6 pid \d+: 451 /.test(server.log()));
  const log = server.log();
  t.match(log, /rblsmtpd: 127\.0\.0\.4 pid (\d+): 553 listed\n/);
  t.match(log, /rblsmtpd: 127\.0\.0\.6 pid \d+: 451 listed by the test list\n/);
  const pid = /rblsmtpd: 127\.0\.0\.4 pid (\d+):/.exec(log)?.[1];
  t.match(log, new RegExp(`tcpsvd: info: start ${pid} `), 'rblsmtpd runs in the process tcpsvd started (its pid in both logs)');
});
