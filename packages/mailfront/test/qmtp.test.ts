// QMTP sessions through the whole receiver: mailfront's transcripts
// (reference A.8) and where we answer differently on purpose.
import t from 'tap';
import { waitFor } from '@mailfront/testkit';
import { qmailQueueProbe } from './helpers/queue-capture.js';
import { CLIENT, events, ns, probePlugin, qmtpPackage, qmtpSession, queue } from './qmtp-fixtures.js';

const ENV = { TCPLOCALHOST: 'mx.example.com', TCPREMOTEIP: '198.51.100.7' };
const PACKAGE = '6:\nbody\n,13:a@example.com,17:13:b@example.org,,';

t.test('QMTP1: one answer per recipient (mailfront gives one per message)', async (t) => {
  const r = await qmtpSession(['echo', 'accept'], '12:\nSubject: t\n,13:a@example.com,34:13:b@example.org,13:c@example.org,,', ENV);
  t.equal(r.stdout, '19:KReceived 11 bytes.,19:KReceived 11 bytes.,');
  t.equal(r.status, 0);
  t.same(r.log, ['Subject: t', 'sender <a@example.com>', 'recipient <b@example.org>', 'recipient <c@example.org>', 'bytes in: 71 bytes out: 46']);
});

t.test('QMTP2: a refused sender (550) is a D for every recipient, logged once', async (t) => {
  const r = await qmtpSession(['echo', 'accept-recipient'], PACKAGE, ENV);
  t.equal(r.stdout, '58:D5.1.0 Mail system is not configured to accept that sender,');
  t.same(events(r), ['body', 'sender <a@example.com>', '550 5.1.0 Mail system is not configured to accept that sender']);
  const three = await qmtpSession(['echo', 'accept-recipient'], qmtpPackage('\nx', 'a@b', ['c@d', 'e@f', 'g@h']), ENV);
  t.equal(three.stdout, '58:D5.1.0 Mail system is not configured to accept that sender,'.repeat(3));
  t.equal(events(three).filter((l) => l.startsWith('550')).length, 1);
});

t.test('QMTP3: packages back to back, each answered in turn', async (t) => {
  const r = await qmtpSession(['echo', 'accept'], PACKAGE + '7:\nbody2\n,0:,17:13:c@example.org,,', ENV);
  t.equal(r.stdout, '18:KReceived 5 bytes.,18:KReceived 6 bytes.,');
  t.same(events(r), ['body', 'sender <a@example.com>', 'recipient <b@example.org>', 'body2', 'sender <>', 'recipient <c@example.org>']);
  t.equal(r.status, 0);
});

t.test('QMTP4: the CRLF encoding is taken and stored with LF lines', async (t) => {
  const r = await qmtpSession(['echo', 'accept'], '7:\rbody\r\n,13:a@example.com,17:13:b@example.org,,', ENV);
  t.equal(r.stdout, '18:KReceived 5 bytes.,');
  const q = queue(t);
  const body = '\rline 1\r\nbare\rCR\r\n\r\nlast CR\r';
  const stored = await qmtpSession(['queuedir', 'accept'], qmtpPackage(body, 'a@b', ['c@d']), q.env);
  t.equal(stored.stdout, '24:K2.6.0 Message accepted.,');
  t.same(q.files(), ['a@b\0c@d\0\0line 1\nbare\rCR\n\nlast CR\r']);
});

t.test('QMTP4: any other first byte is the die for a non-LF terminator', async (t) => {
  const r = await qmtpSession(['echo', 'accept'], '7:xbody\r\n,13:a@example.com,17:13:b@example.org,,', ENV);
  t.equal(r.stdout, '37:ZCannot handle non-LF line terminator,');
  t.equal(r.status, 111);
  t.same(events(r), ['451 Cannot handle non-LF line terminator']);
});

t.test('QMTP5, QMTP6: a bad or zero message length is a die', async (t) => {
  const bad = await qmtpSession(['echo', 'accept'], 'x:', ENV);
  t.equal(bad.stdout, '31:ZInvalid message body netstring,');
  t.equal(bad.status, 111);
  t.same(bad.log, ['451 Invalid message body netstring', 'bytes in: 2 bytes out: 35']);
  const zero = await qmtpSession(['echo', 'accept'], '0:,', ENV);
  t.equal(zero.stdout, '20:ZZero length message,');
  t.equal(zero.status, 111);
});

t.test('QMTP7: one refused recipient refuses only itself', async (t) => {
  const input = '6:\nbody\n,13:a@example.com,34:13:b@example.org,13:c@example.org,,';
  const r = await qmtpSession(['echo', 'counters', 'accept'], input, { ...ENV, MAXRCPTS: '1' });
  t.equal(r.stdout, '18:KReceived 5 bytes.,26:D5.5.3 Too many recipients,');
  t.same(events(r), ['body', 'sender <a@example.com>', 'recipient <b@example.org>', 'recipient <c@example.org>', '550 5.5.3 Too many recipients']);
});

t.test("QMTP_REPLIES=package answers once per message, as mailfront 2.12", async (t) => {
  const env = { ...ENV, MAXRCPTS: '1', QMTP_REPLIES: 'package' };
  const input = '6:\nbody\n,13:a@example.com,34:13:b@example.org,13:c@example.org,,';
  const r = await qmtpSession(['echo', 'counters', 'accept'], input, env);
  t.equal(r.stdout, '26:D5.5.3 Too many recipients,');
  t.same(events(r), ['body', 'sender <a@example.com>', 'recipient <b@example.org>', 'recipient <c@example.org>', '550 5.5.3 Too many recipients']);
  const two = await qmtpSession(['echo', 'accept'], '12:\nSubject: t\n,13:a@example.com,34:13:b@example.org,13:c@example.org,,', env);
  t.equal(two.stdout, '19:KReceived 11 bytes.,');
  const none = await qmtpSession(['echo', 'accept'], '6:\nbody\n,13:a@example.com,0:,', env);
  t.equal(none.stdout, '18:KReceived 5 bytes.,', 'QMTP10 as mailfront: an empty list still gets an answer');
  const sender = await qmtpSession(['echo', 'accept-recipient'], qmtpPackage('\nx', 'a@b', ['c@d', 'e@f']), env);
  t.equal(sender.stdout, '58:D5.1.0 Mail system is not configured to accept that sender,');
  // With the sender refused, the list is not parsed, as in mailfront.
  const junk = await qmtpSession(['echo', 'accept-recipient'], ns('\nx') + ns('a@b') + ns('junk'), env);
  t.equal(junk.stdout, '58:D5.1.0 Mail system is not configured to accept that sender,');
});

t.test('QMTP8: add-received says QMTP; the queue file has its NUL separator', async (t) => {
  const q = queue(t);
  const r = await qmtpSession(['queuedir', 'add-received', 'accept'], PACKAGE, { ...q.env, TCPREMOTEHOST: '' });
  t.equal(r.stdout, '24:K2.6.0 Message accepted.,');
  const [file] = q.files();
  t.match(file, /^a@example\.com\0b@example\.org\0\0Received: from 198\.51\.100\.7 \(\[198\.51\.100\.7\]\)\n  by mx\.example\.com \(\[192\.0\.2\.1\]\)\n  with QMTP via TCP; .*\nbody\n$/);
});

t.test('QMTP9: input cut short inside a package is a die; nothing is queued', async (t) => {
  const q = queue(t);
  const r = await qmtpSession(['queuedir', 'accept'], PACKAGE + '6:\nbody\n,13:a@example.com,17:13:b@exa', q.env);
  t.equal(r.stdout, '24:K2.6.0 Message accepted.,33:ZEOF while reading recipient list,');
  t.equal(r.status, 111);
  t.equal(q.files().length, 1, 'only the complete package');
  t.same(events(r).slice(-1), ['451 EOF while reading recipient list']);
});

t.test('QMTP10: an empty recipient list gets no answer and queues nothing', async (t) => {
  const q = queue(t);
  const r = await qmtpSession(['queuedir', 'accept'], '6:\nbody\n,13:a@example.com,0:,' + PACKAGE, q.env);
  t.equal(r.stdout, '24:K2.6.0 Message accepted.,', 'the answer is the second package’s');
  t.ok(events(r).includes('no recipients: message dropped'));
  t.equal(q.files().length, 1);
});

t.test('refused recipients are left out of the queued envelope', async (t) => {
  const q = queue(t);
  const probe = probePlugin(t);
  const input = qmtpPackage('\nhello\n', 's@x', ['one@x', 'bad1@x', 'two@x', 'bad2@x']);
  const r = await qmtpSession(['queuedir', probe, 'accept'], input, q.env);
  t.equal(
    r.stdout,
    ['K2.6.0 Message accepted.', 'D5.1.1 No such user bad1@x', 'K2.6.0 Message accepted.', 'D5.1.1 No such user bad2@x'].map(ns).join(''),
  );
  t.same(q.files(), ['s@x\0one@x\0two@x\0\0hello\n']);
  t.same(events(r).filter((l) => l.startsWith('550')), ['550 5.1.1 No such user bad1@x', '550 5.1.1 No such user bad2@x']);
});

t.test('every recipient refused: each its own answer, nothing queued', async (t) => {
  const q = queue(t);
  const r = await qmtpSession(['queuedir', probePlugin(t), 'accept'], qmtpPackage('\nhello\n', 's@x', ['bad1@x', 'bad2@x']), q.env);
  t.equal(r.stdout, ns('D5.1.1 No such user bad1@x') + ns('D5.1.1 No such user bad2@x'));
  t.same(q.files(), []);
});

t.test('a message refused at its end: the accepted recipients share the answer', async (t) => {
  const env = { ...CLIENT, PROBE_MESSAGEEND: '554 5.7.1 Spam\\nreally', PROBE_RECIPIENT: '250 ok' };
  const r = await qmtpSession(['echo', probePlugin(t), 'accept'], qmtpPackage('\nhello\n', 's@x', ['a@x', 'bad@x', 'b@x']), env);
  t.equal(r.stdout, ns('D5.7.1 Spam\nreally') + ns('D5.1.1 No such user bad@x') + ns('D5.7.1 Spam\nreally'));
  t.same(events(r).slice(-2), ['554 5.7.1 Spam', '554 really']);
});

t.test('a data block refused (DATABYTES): refusals keep their own answers', async (t) => {
  const env = { ...CLIENT, DATABYTES: '3' };
  const r = await qmtpSession(['echo', 'counters', probePlugin(t), 'accept'], qmtpPackage('\nhello\n', 's@x', ['a@x', 'bad@x']), env);
  t.equal(r.stdout, ns('D5.2.3 Sorry, that message exceeds the maximum message length.') + ns('D5.1.1 No such user bad@x'));
});

t.test('a failed reset or data start refuses every recipient; no hook after it', async (t) => {
  const probe = probePlugin(t);
  const input = qmtpPackage('\nhello\n', 's@x', ['a@x', 'b@x']);
  for (const hook of ['RESET', 'DATASTART']) {
    const r = await qmtpSession(['echo', probe, 'accept'], input, { ...CLIENT, [`PROBE_${hook}`]: '451 4.3.0 Not now' });
    t.equal(r.stdout, ns('Z4.3.0 Not now').repeat(2), hook);
    t.same(events(r), ['sender <s@x>', '451 4.3.0 Not now'], `${hook}: the body and recipients never reach the hooks`);
  }
});

t.test('a plugin that throws costs the message, not the session', async (t) => {
  const probe = probePlugin(t);
  const input = qmtpPackage('\nhello\n', 's@x', ['a@x', 'b@x']) + qmtpPackage('\nagain\n', 's@x', ['c@x']);
  for (const hook of ['SENDER', 'DATABLOCK', 'MESSAGEEND', 'RECIPIENT']) {
    const r = await qmtpSession(['echo', probe, 'accept'], input, { ...CLIENT, [`PROBE_${hook}`]: 'throw' });
    const first = ns('Z4.3.0 Internal error.').repeat(2);
    t.equal(r.stdout.slice(0, first.length), first, hook);
    t.equal(r.status, 0);
    t.ok(r.log.some((l) => l === `Warning: internal error: ${hook} exploded`));
  }
});

t.test('addresses with NUL or over 1000 bytes are refused before any plugin', async (t) => {
  const long = 'x'.repeat(1001);
  const r = await qmtpSession(['echo', 'accept'], qmtpPackage('\nm', 'a@b', ['ok@x', 'n\0ul@x', long, 'y'.repeat(1000)]), ENV);
  t.equal(
    r.stdout,
    [
      'KReceived 1 bytes.',
      'D5.1.3 Recipient address contains a NUL byte.',
      'D5.1.3 Recipient address too long.',
      'KReceived 1 bytes.',
    ]
      .map(ns)
      .join(''),
  );
  t.ok(r.log.includes('recipient too long (1001 bytes)'));
  const sender = await qmtpSession(['echo', 'accept'], qmtpPackage('\nm', long, ['a@x', 'b@x']) + qmtpPackage('\nm', 'a\0b', ['c@x']), ENV);
  t.equal(sender.stdout, ns('D5.1.7 Sender address too long.').repeat(2) + ns('D5.1.7 Sender address contains a NUL byte.'));
  t.ok(sender.log.includes('sender too long (1001 bytes)'));
});

t.test('UTF-8 addresses pass as they are; other 8-bit addresses are refused before any plugin', async (t) => {
  const utf8 = (text: string) => Buffer.from(text, 'utf8').toString('latin1');
  const q = queue(t);
  const r = await qmtpSession(['queuedir', 'accept'], qmtpPackage('\nm', utf8('jörg@bücher.example'), [utf8('ñ@español.example'), 'caf\xe9@x', '\xed\xa0\x80@x']), q.env);
  t.equal(r.stdout, ns('K2.6.0 Message accepted.') + ns('D5.1.3 Recipient address is not valid UTF-8.').repeat(2));
  t.match(Buffer.from(q.files()[0]!, 'latin1').toString('utf8'), /^jörg@bücher\.example\0ñ@español\.example\0\0/, 'queued with the UTF-8 envelope');
  const bad = await qmtpSession(['echo', 'accept'], qmtpPackage('\nm', '\xff@x', ['a@x']), ENV);
  t.equal(bad.stdout, ns('D5.1.7 Sender address is not valid UTF-8.'));
});

/** qmailQueueProbe, and a wait for its qmail-queue to finish (it may outlive an aborted session briefly). */
function qmailHome(t: Parameters<typeof queue>[0]) {
  const q = qmailQueueProbe(t);
  return { ...q, finished: () => waitFor('qmail-queue to finish', () => q.read('done') !== undefined) };
}

t.test('qmail backend: the envelope holds the accepted recipients only', async (t) => {
  const q = qmailHome(t);
  const r = await qmtpSession(['qmail', probePlugin(t), 'accept'], qmtpPackage('\nhi\n', 's@x', ['one@x', 'bad@x', 'two@x']), q.env);
  t.match(r.stdout, /^\d+:K2\.6\.0 Accepted message qp \d+ bytes 3,\d+:D5\.1\.1 No such user bad@x,\d+:K2\.6\.0 Accepted message qp \d+ bytes 3,$/);
  t.equal(q.read('env'), 'Fs@x\0Tone@x\0Ttwo@x\0\0');
  t.equal(q.read('msg'), 'hi\n');
});

t.test('qmail backend: a package cut short never completes the envelope', async (t) => {
  const q = qmailHome(t);
  const r = await qmtpSession(['qmail', 'accept'], '6:\nbody\n,3:s@x,17:13:b@exa', q.env);
  t.equal(r.stdout, ns('ZEOF while reading recipient list'));
  await q.finished();
  t.equal(q.read('env'), '', 'qmail-queue saw its envelope end without the final NUL: nothing queued');
});
