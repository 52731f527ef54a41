// The real mailfront-tcpsvd behind a HAProxy-style front end: --proxy-from
// reads the header, and greetwait, rblsmtpd and mailfront-smtpd run
// in-process after it. The client the header names is the one the rules, -C,
// rblsmtpd and add-received see; early talkers get greetwait's 554.
import t from 'tap';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { haproxyV1, haproxyV2, LineClient, scratchDir, startUcspiServer, waitFor } from '@mailfront/testkit';
import { bundle, ROOT } from '../helpers/paths.js';

const PATH = `${join(ROOT, 'node_modules', '.bin')}:/usr/bin:/bin`;
const TRANSACTION = 'EHLO client.example\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\nDATA\r\nSubject: via the listener\r\n\r\nbody\r\n.\r\nQUIT\r\n';
const ends = (client: string) => ({ source: client, sourcePort: 40000, destination: '192.0.2.1', destinationPort: 25 });

t.test('--proxy-from, greetwait in-process, -C by client, Received names the client', async (t) => {
  const dir = scratchDir(t);
  for (const sub of ['tmp', 'new']) mkdirSync(join(dir, sub));
  const server = await startUcspiServer({
    server: bundle('mailfront-tcpsvd'),
    interpreter: process.execPath,
    serverArgs: ['-v', '-w', '1', '-C', '1', '--proxy-from', '127.0.0.1'],
    program: ['greetwait', '1', 'rblsmtpd', 'mailfront-smtpd', 'queuedir', 'add-received', 'accept'],
    env: { PATH, QUEUEDIR: dir, RBLSMTPD: '' },
  });
  t.teardown(() => server.stop());
  // A worker logs the chain once it has set it up, which may be after the port answers.
  const chain = /chain: greetwait \(in-process, [^)]*\), rblsmtpd \(in-process/;
  await waitFor('the chain line', () => chain.test(server.log()));
  t.match(server.log(), chain);

  // A patient client through the front end: greeted after the wait, delivered, named in Received.
  const patient = await LineClient.connect(server.port);
  patient.send(haproxyV2(ends('203.0.113.5')));
  t.same(await patient.readReply(15_000), ['220 mx.test mailfront ESMTP']);
  // While it is connected, the same client again is over -C 1; another client is not.
  const again = await LineClient.connect(server.port);
  again.send(haproxyV1(ends('203.0.113.5')));
  t.equal(await again.readAll(15_000), '', 'the second session of the same client is closed');
  const other = await LineClient.connect(server.port);
  other.send(haproxyV1(ends('203.0.113.6')));
  // An early talker: its SMTP comes right behind the header.
  other.send('EHLO too.early\r\n');
  t.equal(await other.readAll(15_000), '554 5.7.1 Protocol violation: you talked before my greeting; closing connection.\r\n');
  patient.send(TRANSACTION);
  for (let i = 0; i < 6; i++) await patient.readReply(15_000);
  patient.close();

  const messages = readdirSync(join(dir, 'new')).map((n) => readFileSync(join(dir, 'new', n), 'latin1'));
  t.equal(messages.length, 1);
  t.match(messages[0], /\0\0Received: from client\.example \(\[203\.0\.113\.5\]\)\n  by mx\.test \(\[192\.0\.2\.1\]\)\n/);
  t.match(messages[0], /\nSubject: via the listener\n\nbody\n$/);
  const log = server.log();
  t.match(log, /info: proxy \d+ 127\.0\.0\.1: client 203\.0\.113\.5:40000 to 192\.0\.2\.1:25/);
  t.match(log, /info: concurrency \d+ 203\.0\.113\.5 2\/1/);
  t.match(log, /greetwait\[\d+\]: early talker 203\.0\.113\.6 after \d+\.\d s: "EHLO too\.early\\r\\n"/);
});
