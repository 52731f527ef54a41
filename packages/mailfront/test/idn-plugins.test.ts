// SMTPUTF8 addresses and internationalised domains through check-fqdn,
// mailrules, relayclient and the qmail backend.
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scratchDir } from '@mailfront/testkit';
import { CLIENT, dialog } from './helpers/dialog.js';
import { queueCapture } from './helpers/queue-capture.js';

const utf8 = (text: string) => Buffer.from(text, 'utf8').toString('latin1');
const text = (replies: string[]) => replies.map((l) => Buffer.from(l, 'latin1').toString('utf8'));

t.test('check-fqdn judges an IDN by its A-label form; SENDER_DOMAINS matches either form', async (t) => {
  const r = await dialog(
    ['echo', 'check-fqdn', 'accept'],
    utf8('MAIL FROM:<jörg@例え。テスト> SMTPUTF8\r\nMAIL FROM:<a@bü..example> SMTPUTF8\r\nMAIL FROM:<a@-bü.example> SMTPUTF8\r\nMAIL FROM:<a@büch> SMTPUTF8\r\nQUIT\r\n'),
  );
  t.same(text(r.replies.slice(1, -1)), [
    "250 Sender='jörg@例え。テスト'. [SMTPUTF8]",
    '554 5.1.2 Address contains an invalid internationalized domain name',
    '554 5.1.2 Address contains an invalid internationalized domain name',
    '554 5.1.2 Address does not contain a fully qualified domain name',
  ]);
  const env = { ...CLIENT, SENDER_DOMAINS: 'bücher.example:example.com' };
  const domains = await dialog(['echo', 'check-fqdn', 'accept'], utf8('MAIL FROM:<a@XN--BCHER-KVA.example>\r\nMAIL FROM:<ü@Bücher.example> SMTPUTF8\r\nMAIL FROM:<a@büchers.example> SMTPUTF8\r\nQUIT\r\n'), env);
  t.same(text(domains.replies.slice(1, -1)), ["250 Sender='a@XN--BCHER-KVA.example'.", "250 Sender='ü@Bücher.example'. [SMTPUTF8]", '554 5.1.2 Sender contains a disallowed domain']);
});

t.test('mailrules: a rule or list written with either form matches a client that sends either form', async (t) => {
  const dir = scratchDir(t);
  const list = join(dir, 'domains');
  writeFileSync(list, 'español.example\n');
  const rules = join(dir, 'rules');
  writeFileSync(rules, `k*@bücher.example:*:U-label rule\nk*@xn--fa-hia.de:*:A-label rule\nk[[@${list}]]:*:listed domain\nk*jörg*:*:local part as sent\n`);
  const env = { ...CLIENT, MAILRULES: rules };
  const r = await dialog(
    ['echo', 'mailrules'],
    utf8('MAIL FROM:<a@xn--bcher-kva.example>\r\nMAIL FROM:<ü@Bücher.example> SMTPUTF8\r\nMAIL FROM:<a@faß.de> SMTPUTF8\r\nMAIL FROM:<a@xn--espaol-zwa.example>\r\nMAIL FROM:<jörg@elsewhere.example> SMTPUTF8\r\nQUIT\r\n'),
    env,
  );
  t.same(text(r.replies.slice(1, -1)), ['250 U-label rule', '250 U-label rule', '250 A-label rule', '250 listed domain', '250 local part as sent']);
});

t.test('relayclient appends RELAYCLIENT to a UTF-8 recipient; the qmail backend queues A-label domains', async (t) => {
  const q = queueCapture(t);
  const r = await dialog(
    ['qmail', 'relayclient', 'accept-sender'],
    utf8('MAIL FROM:<jörg@bücher.example> SMTPUTF8\r\nRCPT TO:<ñandú@español.example>\r\nDATA\r\nSubject: ¡hola!\r\n\r\nx\r\n.\r\nQUIT\r\n'),
    { ...q.env, RELAYCLIENT: '' },
  );
  t.match(r.replies.at(-2), /^250 2\.6\.0 Accepted message/);
  t.equal(q.read('env')!.toString('utf8'), 'Fjörg@xn--bcher-kva.example\0Tñandú@xn--espaol-zwa.example\0\0', 'local parts as sent, domains as qmail-send compares them');
  t.equal(q.read('msg')!.toString('utf8'), 'Subject: ¡hola!\n\nx\n', 'UTF-8 headers pass unchanged (RFC 6532)');
  const suffix = await dialog(['echo', 'relayclient', 'accept-sender'], utf8('MAIL FROM:<> SMTPUTF8\r\nRCPT TO:<ñ@example.org>\r\nQUIT\r\n'), { ...CLIENT, RELAYCLIENT: '.relay' });
  t.equal(text(suffix.replies)[2], "250 Recipient='ñ@example.org.relay'.");
});
