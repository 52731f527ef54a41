// The seed's chain: mailfront-smtpd qmail check-fqdn counters relayclient
// cvm-validate qmail-validate add-received accept-sender, with CVM_LOOKUP
// at a running cvm-qmail (ours, and the C one from Debian). A known
// recipient is accepted and the message reaches qmail-queue with the right
// envelope; an unknown one is refused at RCPT with a 5xx (no bounce is ever
// made); a foreign domain is not relayed.
import t from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileUsersAssign } from '@mailfront/qmail';
import { findTool, run, scratchDir, untrackedEnv, waitFor } from '@mailfront/testkit';
import { bundle } from '../helpers/paths.js';

const uid = process.getuid?.() ?? 0;
const gid = process.getgid?.() ?? 0;

/** A qmail tree: one local domain, users joe (no extensions) and jane (with .qmail-news). */
function qmailTree(dir: string) {
  for (const d of ['control', 'users', 'bin', 'home/joe', 'home/jane', 'out']) mkdirSync(join(dir, d), { recursive: true });
  writeFileSync(join(dir, 'control/locals'), 'example.org\n');
  writeFileSync(join(dir, 'control/rcpthosts'), 'example.org\n');
  writeFileSync(join(dir, 'control/me'), 'mx.example.org\n');
  writeFileSync(
    join(dir, 'users/assign'),
    `=joe:joe:${uid}:${gid}:${dir}/home/joe:::\n+jane-:jane:${uid}:${gid}:${dir}/home/jane:-::\n=jane:jane:${uid}:${gid}:${dir}/home/jane:::\n.\n`,
  );
  compileUsersAssign(dir);
  writeFileSync(join(dir, 'home/jane/.qmail-news'), './Maildir/\n');
  const qq = join(dir, 'bin/qmail-queue');
  writeFileSync(qq, `#!/bin/sh\ncat > "${dir}/out/msg"\ncat <&1 > "${dir}/out/env"\n`);
  chmodSync(qq, 0o755);
  return dir;
}

async function startModule(t: { teardown(fn: () => Promise<void> | void): void }, command: string[], socket: string, root: string) {
  const child: ChildProcess = spawn(command[0]!, [...command.slice(1), `cvm-local:${socket}`], {
    env: untrackedEnv({ PATH: '/usr/bin:/bin', QMAIL_ROOT: root, CVM_LOOKUP_SECRET: '' }),
    stdio: 'ignore',
  });
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        child.on('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  );
  await waitFor(`${command.join(' ')} to create ${socket}`, () => existsSync(socket));
}

const CHAIN = ['qmail', 'check-fqdn', 'counters', 'relayclient', 'cvm-validate', 'qmail-validate', 'add-received', 'accept-sender'];
const DIALOG =
  'EHLO client.example\r\nMAIL FROM:<sender@elsewhere.example>\r\n' +
  'RCPT TO:<joe@example.org>\r\nRCPT TO:<jane-news@example.org>\r\nRCPT TO:<nosuch@example.org>\r\n' +
  'RCPT TO:<jane-other@example.org>\r\nRCPT TO:<someone@foreign.example>\r\n' +
  'DATA\r\nSubject: seed\r\n\r\nhello\r\n.\r\nQUIT\r\n';

const modules: Array<[string, string[] | undefined]> = [
  ['our cvm-qmail', [process.execPath, bundle('cvm-qmail')]],
  ['the C cvm-qmail', findTool('cvm-qmail', '/usr/bin') === '/usr/bin/cvm-qmail' ? ['/usr/bin/cvm-qmail'] : undefined],
];

for (const [name, command] of modules) {
  t.test(`the seed chain with ${name}`, { skip: command === undefined && !process.env.CI ? 'C cvm not installed' : false }, async (t) => {
    if (!command) return t.fail('C cvm-qmail not installed');
    const root = qmailTree(scratchDir(t));
    const socket = join(root, 'cvm.sock');
    await startModule(t, command, socket, root);
    const r = await run(process.execPath, [bundle('mailfront-smtpd'), ...CHAIN], {
      env: {
        PATH: '/usr/bin:/bin',
        TCPLOCALHOST: 'mx.example.org',
        TCPLOCALIP: '127.0.0.1',
        TCPREMOTEIP: '127.0.0.9',
        QMAILHOME: root,
        CVM_LOOKUP: `cvm-local:${socket}`,
        DATABYTES: '100000',
        MAXRCPTS: '10',
      },
      input: DIALOG,
    });
    const replies = r.stdout.toString().split('\r\n').filter(Boolean);
    t.same(replies.slice(8, 14), [
      '250 2.1.0 Sender accepted.',
      '250 2.1.5 Recipient accepted.',
      '250 2.1.5 Recipient accepted.',
      '553 5.1.1 Sorry, that recipient does not exist.',
      '553 5.1.1 Sorry, that recipient does not exist.',
      '550 5.1.0 Mail system is not configured to accept that recipient',
    ]);
    t.equal(replies[14], '354 End your message with a period on a line by itself.');
    t.match(replies[15], /^250 2\.6\.0 Accepted message qp \d+ bytes \d+$/);
    t.equal(r.status, 0);
    t.equal(readFileSync(join(root, 'out/env'), 'latin1'), 'Fsender@elsewhere.example\0Tjoe@example.org\0Tjane-news@example.org\0\0', 'only the valid recipients');
    t.match(readFileSync(join(root, 'out/msg'), 'latin1'), /^Received: from client\.example \(\[127\.0\.0\.9\]\)\n  by mx\.example\.org \(\[127\.0\.0\.1\]\)\n  with ESMTP via TCP; .*\nSubject: seed\n\nhello\n$/);
  });
}

t.test('a dead recipient-validation service defers, it never bounces', async (t) => {
  const root = qmailTree(scratchDir(t));
  const r = await run(process.execPath, [bundle('mailfront-smtpd'), ...CHAIN], {
    env: { PATH: '/usr/bin:/bin', QMAILHOME: root, CVM_LOOKUP: `cvm-local:${root}/nobody-listens.sock` },
    input: 'MAIL FROM:<a@elsewhere.example>\r\nRCPT TO:<joe@example.org>\r\nQUIT\r\n',
  });
  t.equal(r.stdout.toString().split('\r\n')[2], '451 4.1.0 Sorry, I could not verify that recipient (internal temporary error).');
});
