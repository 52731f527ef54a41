// The seed's MX end to end, exactly as `npm start` runs it: the example
// runscripts of docs/examples (mailfront-tcpsvd with -x iprules.cdb from our
// iprules-make, in-process: our rblsmtpd, our mailfront-smtpd with the seed's plugin
// chain, our cvm-qmail beside it on a UNIX socket) and the example qmail
// tree, whose qmail-queue delivers into a Maildir.
import t from 'tap';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LineClient, requireOracles, scratchDir } from '@mailfront/testkit';
import { startExampleMx, type ExampleMx } from '../helpers/example-mx.js';

/** One SMTP exchange: sends `command`, returns the reply's lines joined. */
async function say(client: LineClient, command: string): Promise<string> {
  client.send(`${command}\r\n`);
  return (await client.readReply()).join('\n');
}

function queued(mx: ExampleMx): string[] {
  return readdirSync(join(mx.queue, 'new')).map((name) => readFileSync(join(mx.queue, 'new', name), 'latin1'));
}

t.test('the example MX', async (t) => {
  if (!requireOracles(t, ['chpst'])) return;
  const mx = await startExampleMx(join(scratchDir(t), 'queue'));
  let stopped = false;
  t.teardown(async () => {
    if (!stopped) await mx.stop('SIGTERM');
  });
  t.match(mx.output(), `The example MX listens on 127.0.0.1:${mx.port}`, 'says where it listens');
  t.match(mx.output(), `swaks --server 127.0.0.1:${mx.port} --from you@example.com --to joe@example.org`, 'and how to try it');
  t.ok(existsSync(mx.socket), 'the cvm-rcptto socket exists');

  await t.test('a known recipient is accepted and the message is in the queue', async (t) => {
    const c = await LineClient.connect(mx.port);
    t.equal(await c.readLine(), '220 mx.example.org mailfront ESMTP');
    t.match(await say(c, 'EHLO client.example'), /^250-mx\.example\.org\n/);
    t.equal(await say(c, 'MAIL FROM:<sender@elsewhere.example>'), '250 2.1.0 Sender accepted.');
    t.equal(await say(c, 'RCPT TO:<joe@example.org>'), '250 2.1.5 Recipient accepted.');
    t.equal(await say(c, 'RCPT TO:<sales@example.net>'), '250 2.1.5 Recipient accepted.', 'a virtual domain');
    t.equal(await say(c, 'RCPT TO:<nosuch@example.org>'), '553 5.1.1 Sorry, that recipient does not exist.');
    t.equal(await say(c, 'DATA'), '354 End your message with a period on a line by itself.');
    t.match(await say(c, 'Subject: e2e\r\n\r\nhello\r\n.'), /^250 2\.6\.0 Accepted message qp \d+ bytes \d+$/);
    t.equal(await say(c, 'QUIT'), '221 2.0.0 Good bye.');
    c.close();
    const messages = queued(mx);
    t.equal(messages.length, 1);
    t.match(
      messages[0],
      /^Return-Path: <sender@elsewhere\.example>\nX-Envelope-To: <joe@example\.org>\nX-Envelope-To: <sales@example\.net>\nReceived: from client\.example \(\[127\.0\.0\.1\]\)\n  by mx\.example\.org \(\[127\.0\.0\.1\]\)\n  with ESMTP via TCP; .*\nSubject: e2e\n\nhello\n$/,
      'envelope and message, the refused recipient not among them',
    );
    t.match(
      await mx.logged(/summary .*status=queued/),
      /mailfront-smtpd\[\d+\]: summary client=127\.0\.0\.1 helo=client\.example from=<sender@elsewhere\.example> nrcpt=2 refused=1 size=\d+ status=queued\n/,
      'one summary line for the transaction',
    );
  });

  await t.test('an unknown recipient is refused during RCPT, and nothing is queued', async (t) => {
    const c = await LineClient.connect(mx.port);
    await c.readLine();
    await say(c, 'HELO client.example');
    t.equal(await say(c, 'MAIL FROM:<forged@victim.example>'), '250 2.1.0 Sender accepted.');
    t.equal(await say(c, 'RCPT TO:<joe-x@example.org>'), '553 5.1.1 Sorry, that recipient does not exist.', 'no .qmail for the extension');
    t.equal(await say(c, 'RCPT TO:<someone@elsewhere.example>'), '550 5.1.0 Mail system is not configured to accept that recipient', 'no open relay');
    t.match(await say(c, 'DATA'), /^5\d\d /, 'no recipient, no message');
    await say(c, 'QUIT');
    c.close();
    t.equal(queued(mx).length, 1, 'no new file: no message, no bounce to the forged sender');
    t.match(await mx.logged(/- joe-x@/), /cvm-qmail\[\d+\]: - joe-x@example\.org/, 'cvm-qmail was asked');
  });

  await t.test('the mailrules and patterns files of the example', async (t) => {
    const c = await LineClient.connect(mx.port);
    await c.readLine();
    await say(c, 'HELO client.example');
    t.equal(await say(c, 'MAIL FROM:<bulk@spammer.example>'), '553 5.7.1 Sorry, we do not accept mail from spammer.example.');
    t.equal(await say(c, 'MAIL FROM:<sender@elsewhere.example>'), '250 2.1.0 Sender accepted.');
    t.equal(await say(c, 'RCPT TO:<postmaster@example.org>'), '250 2.1.5 Recipient accepted.');
    await say(c, 'DATA');
    const exe = 'Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Transfer-Encoding: base64\r\n\r\nTVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAA\r\n--b--\r\n.';
    t.equal(await say(c, exe), '554 5.7.1 We do not accept Windows executables; send them in an archive.');
    await say(c, 'QUIT');
    c.close();
    t.equal(queued(mx).length, 1, 'nothing queued');
    const log = await mx.logged(/summary .*status=554/);
    t.match(log, /summary client=127\.0\.0\.1 helo=client\.example from=<bulk@spammer\.example> nrcpt=0 size=0 status=553\n/);
    t.match(log, /summary client=127\.0\.0\.1 helo=client\.example from=<sender@elsewhere\.example> nrcpt=1 size=\d+ status=554\n/);
    t.equal(log.split('\n').filter((l) => l.includes(': 554 5.7.1 We do not accept')).length, 1, 'the refusal is logged once');
    t.notMatch(log, /qmail-queue: /, 'the withdrawn message leaves qmail-queue silent');
  });

  await t.test('a denied address is turned away by the IP rules', async (t) => {
    const c = await LineClient.connect(mx.port, '127.0.0.1', '127.0.0.66');
    t.equal(await c.readAll(), '', 'closed without a greeting');
    t.match(await mx.logged(/tcpsvd: info: deny/), /^mailfront-tcpsvd: info: deny \d+ mx\.example\.org:127\.0\.0\.1 ::127\.0\.0\.66:\d+ \.\/iprules\.cdb\/127\.0\.0\.66/m);
  });

  await t.test('a listed address is answered by rblsmtpd', async (t) => {
    const c = await LineClient.connect(mx.port, '127.0.0.1', '127.0.0.2');
    t.equal(await c.readLine(), '220 rblsmtpd.local');
    t.equal(await say(c, 'HELO client.example'), '250 rblsmtpd.local');
    t.equal(await say(c, 'MAIL FROM:<sender@elsewhere.example>'), '250 rblsmtpd.local');
    t.equal(await say(c, 'RCPT TO:<joe@example.org>'), '553 Your address is listed in our own block list (#5.7.1)');
    t.equal(await say(c, 'QUIT'), '221 rblsmtpd.local');
    c.close();
    t.match(await mx.logged(/rblsmtpd: 127/), /rblsmtpd: 127\.0\.0\.2 pid \d+: 553 Your address is listed/);
  });

  await t.test('Ctrl-C stops it cleanly', async (t) => {
    stopped = true;
    t.equal(await mx.stop('SIGINT'), 0);
    t.notOk(existsSync(mx.socket), 'socket removed');
    t.notOk(existsSync(mx.workDir), 'working files removed');
    // The last client has closed, but the listener may still be ending its
    // session when the signal comes: then it says "finishing 1 session" first.
    t.match(mx.output(), /mailfront-tcpsvd: info: sigterm received, /);
    t.match(mx.output(), /mailfront-tcpsvd: info: (sigterm received, )?exit\.\n/);
    t.match(mx.output(), /cvm-qmail\[\d+\]: Stopping\.\n/);
    t.match(mx.output(), `Stopped; sockets and ${mx.workDir} removed. 1 message(s) in ${join(mx.queue, 'new')}.`);
    t.equal(queued(mx).length, 1, 'the queue is kept');
  });
});
