// The summary line: one per transaction, in every protocol, written once the
// transaction is over (the backend answered, or the protocol ended it).
// Sizes are of the message as received, lines ending in LF.
import t from 'tap';
import { logValue } from '../src/engine/transaction-summary.js';
import { CLIENT, dialog, slowClient } from './helpers/dialog.js';
import { probePlugin, qmqpPackage, qmqpSession, qmtpPackage, qmtpSession } from './qmtp-fixtures.js';

const HEAD = 'client=198.51.100.7 helo=client.example';

t.test('SMTP: queued, refused at MAIL, refused after the body, abandoned', async (t) => {
  const r = await dialog(
    ['echo', 'counters', 'accept'],
    'EHLO client.example\r\n' +
      'MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\nRCPT TO:<c@example.org>\r\nDATA\r\nSubject: x\r\n\r\nbody\r\n.\r\n' +
      'MAIL FROM:<big@example.com> SIZE=999999\r\n' +
      'MAIL FROM:<>\r\nRCPT TO:<d@example.org>\r\nDATA\r\n' + 'x'.repeat(80) + '\r\n.\r\n' +
      'MAIL FROM:<e@example.com>\r\nRCPT TO:<f@example.org>\r\nRSET\r\nQUIT\r\n',
    { ...CLIENT, DATABYTES: '50' },
  );
  t.same(r.summaries, [
    `${HEAD} from=<a@example.com> nrcpt=2 size=17 status=queued`,
    `${HEAD} from=<big@example.com> nrcpt=0 size=0 status=552`,
    `${HEAD} from=<> nrcpt=1 size=81 status=552`,
    `${HEAD} from=<e@example.com> nrcpt=1 size=0 status=abandoned`,
  ]);
  t.equal(r.log.filter((l) => l.startsWith('552 ')).length, 2, 'each refusal is logged once, besides its summary');
});

t.test('SMTP: refused recipients, a dropped connection, no transaction at all', async (t) => {
  const probe = probePlugin(t);
  const refused = await dialog(['echo', probe, 'accept'], 'HELO client.example\r\nMAIL FROM:<a@b>\r\nRCPT TO:<bad1@x>\r\nRCPT TO:<bad2@x>\r\nQUIT\r\n');
  t.same(refused.summaries, [`${HEAD} from=<a@b> nrcpt=0 refused=2 size=0 status=550`], 'every recipient refused: the refusal is the status');
  const some = await dialog(['echo', probe, 'accept'], 'HELO client.example\r\nMAIL FROM:<a@b>\r\nRCPT TO:<bad@x>\r\nRCPT TO:<ok@x>\r\nDATA\r\nhi\r\n.\r\nQUIT\r\n');
  t.same(some.summaries, [`${HEAD} from=<a@b> nrcpt=1 refused=1 size=3 status=queued`]);

  const client = slowClient();
  client.send('HELO client.example\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\npartial line\r\n');
  client.end();
  const dropped = await dialog(['echo', 'accept'], client.stream);
  t.same(dropped.summaries, [`${HEAD} from=<a@b> nrcpt=1 size=13 status=dropped`]);

  const idle = await dialog(['echo', 'accept'], 'HELO client.example\r\nNOOP\r\nQUIT\r\n');
  t.same(idle.summaries, [], 'no MAIL, no transaction');
});

t.test('SMTP: odd bytes are escaped; no client address', async (t) => {
  const r = await dialog(['echo', 'accept'], 'HELO a\\b\tc\r\nMAIL FROM:<"x y"@z>\r\nQUIT\r\n', { TCPREMOTEIP: '2001:db8::1' });
  t.same(r.summaries, ['client=2001:db8::1 helo=a\\x5cb\\x09c from=<x\\x20y@z> nrcpt=0 size=0 status=abandoned']);
  const unknown = await dialog(['echo', 'accept'], 'MAIL FROM:<a@b>\r\nQUIT\r\n', {});
  t.same(unknown.summaries, ['client=unknown helo= from=<a@b> nrcpt=0 size=0 status=abandoned']);
  t.equal(logValue('a b\\c\x00\x7f\n'), 'a\\x20b\\x5cc\\x00\\x7f\\x0a');
});

t.test('QMTP: one line per message of the connection', async (t) => {
  const probe = probePlugin(t);
  const r = await qmtpSession(
    ['echo', probe, 'accept'],
    qmtpPackage('\nSubject: 1\n\nhi\n', 'a@example.com', ['b@example.org', 'bad@example.org']) +
      qmtpPackage('\nSubject: 2\n', 'c@example.com', ['bad1@example.org', 'bad2@example.org']),
  );
  t.same(r.summaries, [
    'client=198.51.100.7 helo= from=<a@example.com> nrcpt=1 refused=1 size=15 status=queued',
    'client=198.51.100.7 helo= from=<c@example.com> nrcpt=0 refused=2 size=11 status=550',
  ]);
});

t.test('QMQP: queued, refused sender, a package cut short', async (t) => {
  const ok = await qmqpSession(['echo', 'accept'], qmqpPackage('Subject: t\n', 'a@example.com', ['b@example.org']));
  t.same(ok.summaries, ['client=198.51.100.7 helo= from=<a@example.com> nrcpt=1 size=11 status=queued']);
  const refused = await qmqpSession(['echo'], qmqpPackage('Subject: t\n', 'a@example.com', ['b@example.org']));
  t.same(refused.summaries, ['client=198.51.100.7 helo= from=<a@example.com> nrcpt=0 size=11 status=550']);
  const cut = await qmqpSession(['echo', 'accept'], qmqpPackage('Subject: t\n', 'a@example.com', ['b@example.org']).slice(0, -1));
  t.same(cut.summaries, ['client=198.51.100.7 helo= from=<a@example.com> nrcpt=1 size=11 status=dropped']);
});
