// SMTPUTF8 (RFC 6531) in the SMTP protocol: the keyword, the MAIL
// parameter, the 5.6.7 refusals, valid UTF-8 only, and the trace keyword.
import t from 'tap';
import { createLogger } from '@mailfront/core';
import { Session } from '../src/engine/session.js';
import { withKeyword } from '../src/plugins/add-received.js';
import { CLIENT, dialog } from './helpers/dialog.js';
import { queueCapture } from './helpers/queue-capture.js';

const utf8 = (text: string) => Buffer.from(text, 'utf8').toString('latin1');
const latin1 = (text: string) => Buffer.from(text, 'latin1').toString('utf8');

t.test('EHLO offers SMTPUTF8; with the parameter, UTF-8 addresses pass to the plugins as sent', async (t) => {
  const r = await dialog(['echo', 'accept'], utf8('EHLO c\r\nMAIL FROM:<jörg@bücher.example> SMTPUTF8\r\nRCPT TO:<用户@例え.テスト>\r\nRCPT TO:<ascii@example.org>\r\nQUIT\r\n'));
  t.ok(r.replies.includes('250-SMTPUTF8'));
  t.same(r.replies.slice(-4).map(latin1), ["250 Sender='jörg@bücher.example'. [SMTPUTF8]", "250 Recipient='用户@例え.テスト'.", "250 Recipient='ascii@example.org'.", '221 2.0.0 Good bye.']);
  const lower = await dialog(['echo', 'accept'], utf8('MAIL FROM:<jörg@bücher.example> smtputf8\r\nQUIT\r\n'));
  t.match(latin1(lower.replies[1]!), /^250 Sender='jörg@bücher\.example'/, 'the parameter in any case');
});

t.test('without the parameter a non-ASCII address is refused with 5.6.7: 550 at MAIL, 553 at RCPT', async (t) => {
  const r = await dialog(['echo', 'accept'], utf8('MAIL FROM:<jörg@example.com>\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<ñ@example.org>\r\nRCPT TO:<n@example.org>\r\nQUIT\r\n'));
  t.same(r.replies.slice(1, -1), [
    '550 5.6.7 Non-ASCII addresses need the SMTPUTF8 parameter.',
    "250 Sender='a@example.com'.",
    '553 5.6.7 Non-ASCII addresses need the SMTPUTF8 parameter.',
    "250 Recipient='n@example.org'.",
  ]);
  const next = await dialog(['echo', 'accept'], utf8('MAIL FROM:<a@example.com> SMTPUTF8\r\nMAIL FROM:<b@example.com>\r\nRCPT TO:<ñ@example.org>\r\nQUIT\r\n'));
  t.equal(next.replies[3], '553 5.6.7 Non-ASCII addresses need the SMTPUTF8 parameter.', 'the parameter holds for its own transaction only');
});

t.test('only valid UTF-8: overlong forms, surrogates and stray bytes are refused', async (t) => {
  for (const bad of ['\xc0\xafx', '\xed\xa0\x80', '\xff', 'caf\xe9']) {
    const r = await dialog(['echo', 'accept'], `MAIL FROM:<${bad}@example.com> SMTPUTF8\r\nMAIL FROM:<a@example.com> SMTPUTF8\r\nRCPT TO:<${bad}@example.org>\r\nQUIT\r\n`);
    t.same(r.replies.slice(1, -1), ['501 5.1.7 The sender address is not valid UTF-8.', "250 Sender='a@example.com'. [SMTPUTF8]", '501 5.1.3 The recipient address is not valid UTF-8.'], JSON.stringify(bad));
  }
});

t.test('SMTP_SMTPUTF8=0: no keyword, and the parameter does not open UTF-8 addresses', async (t) => {
  const r = await dialog(['echo', 'accept'], utf8('EHLO c\r\nMAIL FROM:<jörg@example.com> SMTPUTF8\r\nQUIT\r\n'), { ...CLIENT, SMTP_SMTPUTF8: '0' });
  t.notOk(r.replies.includes('250-SMTPUTF8'));
  t.equal(r.replies.at(-2), '550 5.6.7 Non-ASCII addresses need the SMTPUTF8 parameter.');
});

t.test('add-received writes the RFC 6531 with-keyword and U-labels for an SMTPUTF8 message only', async (t) => {
  const q = queueCapture(t);
  const env = { ...q.env, TCPREMOTEHOST: 'xn--bcher-kva.example' };
  await dialog(['qmail', 'add-received', 'accept'], utf8('EHLO c\r\nMAIL FROM:<jörg@example.com> SMTPUTF8\r\nRCPT TO:<b@example.org>\r\nDATA\r\nx\r\n.\r\nQUIT\r\n'), env);
  t.match(q.read('msg')!.toString('utf8'), /^Received: from c \(bücher\.example \[198\.51\.100\.7\]\)\n  by mx\.example\.com \(\[192\.0\.2\.1\]\)\n  with UTF8SMTP via TCP; /);
  t.equal(q.read('env')!.toString('utf8'), 'Fjörg@example.com\0Tb@example.org\0\0', 'the envelope in UTF-8');
  await dialog(['qmail', 'add-received', 'accept'], 'EHLO c\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\nDATA\r\ny\r\n.\r\nQUIT\r\n', env);
  t.match(q.read('msg')!.toString('latin1'), /^Received: from c \(xn--bcher-kva\.example \[198\.51\.100\.7\]\)\n.*\n  with ESMTP via TCP; /, 'ASCII, as mailfront writes it, without SMTPUTF8');
  const session = new Session({ env: {}, ucspi: { proto: 'TCP' } as never, log: createLogger('t', process.stderr) });
  session.protocol = 'ESMTP';
  t.equal(withKeyword(session), 'ESMTP');
  session.utf8 = true;
  t.equal(withKeyword(session), 'UTF8SMTP');
  session.tls = true;
  t.equal(withKeyword(session), 'UTF8SMTPS');
  session.auth = { user: 'u' };
  t.equal(withKeyword(session), 'UTF8SMTPSA');
  session.tls = false;
  t.equal(withKeyword(session), 'UTF8SMTPA');
  session.protocol = 'QMTP';
  t.equal(withKeyword(session), 'QMTP', 'QMTP and QMQP have no registered UTF-8 keyword');
});

t.test('log lines show UTF-8 addresses as UTF-8, not encoded twice', async (t) => {
  const r = await dialog(['echo', 'accept'], utf8('MAIL FROM:<jörg@bücher.example> SMTPUTF8\r\nMAIL FROM:<caf\xe9@x>\r\nQUIT\r\n'));
  t.ok(r.stderr.includes(utf8('MAIL FROM:<jörg@bücher.example> SMTPUTF8')), 'the UTF-8 bytes as sent');
  const { readableText } = await import('../src/util/readable-log.js');
  t.equal(readableText('plain'), 'plain');
  t.equal(readableText(utf8('jörg')), 'jörg');
  t.equal(readableText('café'), 'café', 'text that is not UTF-8 as bytes stays as it is');
  t.equal(readableText('用户'), '用户', 'text beyond Latin-1 is already text');
});
