// Our cvm-qmail and cvm-testclient mixed with the C originals from Debian's
// cvm package, and C mailfront's cvm-validate plugin asking our cvm-qmail.
// Every pairing must give the same answer as the all-C pairing.
import t from 'tap';
import { join } from 'node:path';
import { freePort, requireOracles, run, scratchDir, waitFor } from '@mailfront/testkit';
import { ORACLE_ENV, OUR_CVM_QMAIL, OUR_TESTCLIENT, qmailTree, startModule, testclient } from './cvm-fixture.js';

const ADDRESSES: Array<[string, string]> = [
  ['joe', 'example.org'],
  ['JOE', 'Example.ORG'],
  ['joe-list', 'example.org'],
  ['joe-nolist', 'example.org'],
  ['joe', ''],
  ['info@virt.test', ''],
  ['anything', 'deep.a.Wild.Test'],
  ['joe', 'unknown.dom'],
  ['postmaster', 'example.org'],
  ['root', 'example.org'],
  ['Root', 'example.org'],
  ['a'.repeat(480), 'example.org'],
];

t.test('C cvm-testclient against our cvm-qmail: socket, UDP, command, v1', async (t) => {
  const c = requireOracles(t, ['cvm-qmail', 'cvm-testclient', 'cvm-v1testclient', 'cdb'], ORACLE_ENV);
  if (!c) return;
  const root = await qmailTree(t, c.cdb);
  const dir = scratchDir(t);
  const env = { ...process.env, QMAIL_ROOT: root, CVM_LOOKUP_SECRET: 'secret' };
  const ourPort = await freePort();
  const cPort = await freePort();
  const servers = [
    await startModule(OUR_CVM_QMAIL, `cvm-local:${join(dir, 'ours.sock')}`, env),
    await startModule(c['cvm-qmail'], `cvm-local:${join(dir, 'c.sock')}`, env),
    await startModule(OUR_CVM_QMAIL, `cvm-udp:127.0.0.1:${ourPort}`, env),
    await startModule(c['cvm-qmail'], `cvm-udp:127.0.0.1:${cPort}`, env),
  ];
  t.teardown(() => Promise.all(servers.map((s) => s.stop())));
  const pairs: Array<[string, string, string]> = [
    ['socket', `cvm-local:${join(dir, 'ours.sock')}`, `cvm-local:${join(dir, 'c.sock')}`],
    ['udp', `cvm-udp:127.0.0.1:${ourPort}`, `cvm-udp:127.0.0.1:${cPort}`],
    ['command', `cvm-command:${OUR_CVM_QMAIL}`, `cvm-command:${c['cvm-qmail']}`],
  ];
  for (const [transport, ours, theirs] of pairs) {
    for (const [account, domain] of ADDRESSES) {
      const expected = await testclient(c['cvm-testclient'], [theirs, account, domain], env);
      const got = await testclient(c['cvm-testclient'], [ours, account, domain], env);
      t.equal(got, expected, `${transport}: ${account.slice(0, 20)}@${domain}`);
    }
  }
  const wrong = { ...env, CVM_LOOKUP_SECRET: 'wrong' };
  t.match(await testclient(c['cvm-testclient'], [pairs[0]![1], 'joe', 'example.org'], wrong), /error #7 \(Credential missing in data from module\)\n\[exit 7\]$/);
  for (const [account, domain] of [['joe', 'example.org'], ['joe', 'unknown.dom'], ['joe-nolist', 'example.org']]) {
    const v1 = (module: string) => testclient(c['cvm-v1testclient'], [module, account!, domain!, 'secret'], env);
    t.equal(await v1(pairs[0]![1]), await v1(pairs[0]![2]), `v1 protocol: ${account}@${domain}`);
  }
});

t.test('our cvm-testclient against C cvm-qmail: socket, UDP, command', async (t) => {
  const c = requireOracles(t, ['cvm-qmail', 'cvm-testclient', 'cdb'], ORACLE_ENV);
  if (!c) return;
  const root = await qmailTree(t, c.cdb);
  const dir = scratchDir(t);
  const env = { ...process.env, QMAIL_ROOT: root, CVM_LOOKUP_SECRET: 'secret' };
  const port = await freePort();
  const servers = [
    await startModule(c['cvm-qmail'], `cvm-local:${join(dir, 'c.sock')}`, env),
    await startModule(c['cvm-qmail'], `cvm-udp:127.0.0.1:${port}`, env),
  ];
  t.teardown(() => Promise.all(servers.map((s) => s.stop())));
  for (const module of [`cvm-local:${join(dir, 'c.sock')}`, `cvm-udp:127.0.0.1:${port}`, `cvm-command:${c['cvm-qmail']}`, c['cvm-qmail']]) {
    for (const [account, domain] of [...ADDRESSES, ['a'.repeat(600), 'example.org'] as [string, string]]) {
      const expected = await testclient(c['cvm-testclient'], [module, account, domain], env);
      t.equal(await testclient(OUR_TESTCLIENT, [module, account, domain], env), expected, `${module.split(':')[0]}: ${account.slice(0, 20)}@${domain}`);
    }
  }
  const usage = await testclient(c['cvm-testclient'], ['a', 'b'], env);
  t.equal(await testclient(OUR_TESTCLIENT, ['a', 'b'], env), usage, 'usage error');
});

t.test("C mailfront's cvm-validate plugin against our cvm-qmail", async (t) => {
  const c = requireOracles(t, ['mailfront', 'cvm-qmail', 'cdb'], ORACLE_ENV);
  if (!c) return;
  const root = await qmailTree(t, c.cdb);
  const dir = scratchDir(t);
  const moduleEnv = { ...process.env, QMAIL_ROOT: root, CVM_LOOKUP_SECRET: 'secret' };
  const ours = await startModule(OUR_CVM_QMAIL, `cvm-local:${join(dir, 'ours.sock')}`, moduleEnv);
  const theirs = await startModule(c['cvm-qmail'], `cvm-local:${join(dir, 'c.sock')}`, moduleEnv);
  t.teardown(() => Promise.all([ours.stop(), theirs.stop()]));
  const session =
    'MAIL FROM:<a@example.com>\r\n' +
    ['joe@example.org', 'JOE-list@Example.ORG', 'nosuch@example.org', 'info@virt.test', 'x@virt.test', 'someone@elsewhere.test', 'nodomain']
      .map((r) => `RCPT TO:<${r}>\r\n`)
      .join('') +
    'QUIT\r\n';
  const smtp = async (socket: string) => {
    const env = {
      PATH: process.env.PATH,
      TCPLOCALHOST: 'mx.example.com',
      TCPLOCALIP: '192.0.2.1',
      TCPREMOTEIP: '198.51.100.7',
      TCPREMOTEHOST: 'client.example.net',
      CVM_LOOKUP: `cvm-local:${socket}`,
      CVM_LOOKUP_SECRET: 'secret',
    };
    const r = await run(c.mailfront, ['smtp', 'echo', 'accept-sender', 'cvm-validate', 'accept-recipient'], { env, input: session });
    return r.stdout.toString();
  };
  const got = await smtp(join(dir, 'ours.sock'));
  t.equal(got, await smtp(join(dir, 'c.sock')), 'same SMTP dialogue as with C cvm-qmail');
  const replies = got.split('\r\n');
  t.equal(replies[2], "250 Recipient='joe@example.org'.");
  t.equal(replies[3], "250 Recipient='JOE-list@Example.ORG'.");
  t.equal(replies[4], '553 5.1.1 Sorry, that recipient does not exist.');
  t.equal(replies[5], "250 Recipient='info@virt.test'.");
  t.equal(replies[6], '553 5.1.1 Sorry, that recipient does not exist.');
  t.equal(replies[7], "250 Recipient='someone@elsewhere.test'.", 'out of scope: not ours to refuse');
  // A server's log lines wait up to 50 ms to share a write.
  await t.resolves(waitFor('the lookup in the log', () => /cvm-qmail\[\d+\]: \+ joe@example\.org\n/.test(ours.log())), 'the lookup is logged');
  const deaf = await smtp(join(dir, 'nothing.sock'));
  t.match(deaf, /451 4\.1\.0 Sorry, I could not verify that recipient/);
});
