import t from 'tap';
import { readFileSync, readdirSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { scratchDir } from '@mailfront/testkit';
import { receivedDate } from '../src/plugins/add-received.js';
import { CLIENT, dialog } from './helpers/dialog.js';

const MAIL = 'MAIL FROM:<a@example.com>\r\n';
const RCPT = 'RCPT TO:<b@example.org>\r\n';

t.test('check-fqdn without defaults (P7)', async (t) => {
  const r = await dialog(
    ['echo', 'check-fqdn', 'accept'],
    'MAIL FROM:<>\r\nMAIL FROM:<user>\r\nMAIL FROM:<user@host>\r\nMAIL FROM:<user@host.dom>\r\nRCPT TO:<>\r\nRCPT TO:<postmaster>\r\nRCPT TO:<@x.y>\r\nQUIT\r\n',
  );
  t.same(r.replies.slice(1, -1), [
    "250 Sender=''.",
    '554 5.1.2 Address is missing a domain name',
    '554 5.1.2 Address does not contain a fully qualified domain name',
    "250 Sender='user@host.dom'.",
    '554 5.1.2 Recipient address may not be empty',
    '554 5.1.2 Address is missing a domain name',
    '554 5.1.2 Address is missing a domain name',
  ]);
});

t.test('check-fqdn with DEFAULTHOST, DEFAULTDOMAIN, SENDER_DOMAINS (P8)', async (t) => {
  const env = { ...CLIENT, DEFAULTHOST: 'mx.example.com', DEFAULTDOMAIN: 'example.com', SENDER_DOMAINS: 'example.com:example.net' };
  const r = await dialog(
    ['echo', 'check-fqdn', 'accept'],
    'MAIL FROM:<>\r\nMAIL FROM:<user>\r\nMAIL FROM:<user@host>\r\nMAIL FROM:<user@EXAMPLE.NET>\r\nRCPT TO:<postmaster>\r\nRCPT TO:<x@host>\r\nRCPT TO:<@y>\r\nQUIT\r\n',
    env,
  );
  t.same(r.replies.slice(1, -1), [
    '554 5.1.2 Empty sender address prohibited',
    '554 5.1.2 Sender contains a disallowed domain',
    '554 5.1.2 Sender contains a disallowed domain',
    "250 Sender='user@EXAMPLE.NET'.",
    "250 Recipient='postmaster@mx.example.com'.",
    "250 Recipient='x@host.example.com'.",
    "250 Recipient='@y@mx.example.com'.",
  ]);
});

t.test('counters: SIZE in EHLO, SIZE= parameter, body over DATABYTES (P1, P2)', async (t) => {
  const p1 = await dialog(['echo', 'counters', 'accept'], 'EHLO c\r\nQUIT\r\n');
  t.ok(p1.replies.includes('250-SIZE 0'));
  const r = await dialog(
    ['echo', 'counters', 'accept'],
    'EHLO c\r\nMAIL FROM:<a@example.com> SIZE=21\r\nMAIL FROM:<a@example.com> SIZE=99999999999999999999\r\nMAIL FROM:<a@example.com> SIZE=20\r\nMAIL FROM:<a@example.com> SIZE=x\r\n' +
      RCPT +
      'DATA\r\n0123456789\r\n0123456789\r\n.\r\nQUIT\r\n',
    { ...CLIENT, DATABYTES: '20' },
  );
  t.same(r.replies.slice(8, -1), [
    '552 5.2.3 The message would exceed the maximum message size.',
    '552 5.2.3 The message would exceed the maximum message size.',
    "250 Sender='a@example.com'. [SIZE=20]",
    "250 Sender='a@example.com'. [SIZE=x]",
    "250 Recipient='b@example.org'.",
    '354 End your message with a period on a line by itself.',
    '552 5.2.3 Sorry, that message exceeds the maximum message length.',
  ]);
});

t.test('counters: MAXRCPTS with and without MAXRCPTS_REJECT (P3, P4)', async (t) => {
  const three = MAIL + 'RCPT TO:<1@example.org>\r\nRCPT TO:<2@example.org>\r\nRCPT TO:<3@example.org>\r\nDATA\r\n.\r\nQUIT\r\n';
  const p3 = await dialog(['echo', 'counters', 'accept'], three, { ...CLIENT, MAXRCPTS: '2' });
  t.same(p3.replies.slice(4, -1), ['550 5.5.3 Too many recipients', '354 End your message with a period on a line by itself.', '250 Received 0 bytes.']);
  const p4 = await dialog(['echo', 'counters', 'accept'], three, { ...CLIENT, MAXRCPTS: '2', MAXRCPTS_REJECT: '1' });
  t.same(p4.replies.slice(4, -1), ['550 5.5.3 Too many recipients', '550 5.5.3 Too many recipients', '500 5.5.1 Not implemented.']);
});

t.test('counters: MAXHOPS counts Received/Delivered-To in the header, any case (P5)', async (t) => {
  const looping = MAIL + RCPT + 'DATA\r\nReceived: x\r\nRECEIVED: y\r\n\r\nbody\r\n.\r\nQUIT\r\n';
  const r = await dialog(['echo', 'counters', 'accept'], looping, { ...CLIENT, MAXHOPS: '1' });
  t.equal(r.replies.at(-2), '554 5.6.0 This message is looping, too many hops.');
  const inBody = MAIL + RCPT + 'DATA\r\nSubject: x\r\n\r\nReceived: a\r\nReceived: b\r\n.\r\nQUIT\r\n';
  t.match((await dialog(['echo', 'counters', 'accept'], inBody, { ...CLIENT, MAXHOPS: '1' })).replies.at(-2), /^250 Received/);
  const delivered = MAIL + RCPT + 'DATA\r\nDelivered-To: a\r\ndelivered-to: b\r\nDelivered-To: c\r\n\r\n.\r\nQUIT\r\n';
  t.equal((await dialog(['echo', 'counters', 'accept'], delivered, { ...CLIENT, MAXHOPS: '2' })).replies.at(-2), '554 5.6.0 This message is looping, too many hops.');
  const manyDefault = MAIL + RCPT + 'DATA\r\n' + 'Received: x\r\n'.repeat(101) + '\r\n.\r\nQUIT\r\n';
  t.equal((await dialog(['echo', 'counters', 'accept'], manyDefault)).replies.at(-2), '554 5.6.0 This message is looping, too many hops.', 'default 100');
});

t.test('counters: MAXMSGS (P6)', async (t) => {
  const r = await dialog(['echo', 'counters', 'accept'], MAIL + RCPT + 'DATA\r\n.\r\n' + MAIL + RCPT + 'DATA\r\nQUIT\r\n', { ...CLIENT, MAXMSGS: '1' });
  t.same(r.replies.slice(4, -1), ['250 Received 0 bytes.', '550 5.5.0 Too many messages', '503 5.5.1 You must send MAIL FROM: first', '503 5.5.1 You must send MAIL FROM: first']);
});

t.test('reject: SMTPREJECT, REJECT, permanent with -, default text (P9, P10)', async (t) => {
  const run = (env: Record<string, string>) => dialog(['echo', 'reject', 'accept'], MAIL + 'QUIT\r\n', { ...CLIENT, ...env });
  t.equal((await run({ SMTPREJECT: 'go away' })).replies[1], '451 go away');
  t.equal((await run({ REJECT: '-' })).replies[1], '553 You are not allowed to use this mail server.');
  t.equal((await run({ REJECT: '' })).replies[1], '451 You are not allowed to use this mail server.');
  t.equal((await run({ SMTPREJECT: '-no', REJECT: 'ignored' })).replies[1], '553 no');
  t.equal((await run({})).replies[1], "250 Sender='a@example.com'.");
});

t.test('relayclient and require-auth (P11, P12)', async (t) => {
  const relay = await dialog(['echo', 'accept-sender', 'relayclient'], MAIL + RCPT + 'QUIT\r\n', { ...CLIENT, RELAYCLIENT: '@relay' });
  t.equal(relay.replies[2], "250 Recipient='b@example.org@relay'.");
  const none = await dialog(['echo', 'accept-sender', 'relayclient'], MAIL + RCPT + 'QUIT\r\n');
  t.equal(none.replies[2], '550 5.1.0 Mail system is not configured to accept that recipient');
  const auth = await dialog(['echo', 'require-auth', 'accept-sender'], MAIL + 'QUIT\r\n');
  t.equal(auth.replies[1], '530 5.7.1 You must authenticate first.');
  const trusted = await dialog(['echo', 'require-auth', 'accept-sender'], MAIL + 'QUIT\r\n', { ...CLIENT, RELAYCLIENT: '' });
  t.equal(trusted.replies[1], "250 Sender='a@example.com'.");
});

t.test('add-received: header format, fixup header, HEADER_ADD before the standard header (P18)', async (t) => {
  const dir = scratchDir(t);
  for (const sub of ['tmp', 'new']) mkdirSync(join(dir, sub));
  const env = {
    ...CLIENT,
    FIXUP_RECEIVED_HOST: ' front.example.com ',
    FIXUP_RECEIVED_IP: '203.0.113.9',
    HEADER_ADD: 'X-Added: yes',
    QUEUEDIR: dir,
  };
  const r = await dialog(['queuedir', 'add-received', 'accept'], 'HELO c\r\n' + MAIL + RCPT + 'DATA\r\nbody\r\n.\r\nQUIT\r\n', env);
  t.equal(r.replies.at(-2), '250 2.6.0 Message accepted.');
  const [name] = readdirSync(join(dir, 'new'));
  const stored = readFileSync(join(dir, 'new', name!), 'latin1').replace(/\d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} -0000/g, 'DATE');
  t.equal(
    stored,
    'a@example.com\0b@example.org\0\0' +
      'Received: from mx.example.com (mx.example.com [192.0.2.1])\n  by front.example.com ([203.0.113.9]); DATE\n' +
      'X-Added: yes\n' +
      'Received: from c (client.example.net [198.51.100.7])\n  by mx.example.com ([192.0.2.1])\n  with SMTP via TCP; DATE\n' +
      'body\n',
  );
});

t.test('add-received: what is known shapes FROM and BY; TCP6; AUTH_ADD_RECEIVED', async (t) => {
  const header = async (env: Record<string, string>, helo = '') => {
    const dir = scratchDir(t);
    for (const sub of ['tmp', 'new']) mkdirSync(join(dir, sub));
    await dialog(['queuedir', 'add-received', 'accept'], helo + MAIL + RCPT + 'DATA\r\nx\r\n.\r\n', { QUEUEDIR: dir, ...env });
    const [name] = readdirSync(join(dir, 'new'));
    if (!name) return '';
    return readFileSync(join(dir, 'new', name), 'latin1').split('\0\0')[1]!.replace(/; .* -0000/, '; DATE');
  };
  t.equal(await header({}), 'Received: from unknown\n  by unknown\n  with SMTP via TCP; DATE\nx\n');
  t.equal(await header({ TCPREMOTEIP: '10.0.0.1', TCPLOCALIP: '10.0.0.2' }), 'Received: from 10.0.0.1 ([10.0.0.1])\n  by 10.0.0.2 ([10.0.0.2])\n  with SMTP via TCP; DATE\nx\n');
  t.equal(await header({ TCPREMOTEHOST: 'rh' }, 'EHLO h\x01\r\n'), 'Received: from h? (rh)\n  by unknown\n  with ESMTP via TCP; DATE\nx\n', 'control bytes in HELO are masked');
  t.equal(
    await header({ PROTO: 'TCP6', TCP6REMOTEIP: '::1', TCP6LOCALIP: '::2', TCP6LOCALHOST: 'mx' }),
    'Received: from IPv6:::1 ([IPv6:::1])\n  by mx ([IPv6:::2])\n  with SMTP via TCP6; DATE\nx\n',
  );
  t.equal(
    await header({ TCPREMOTEIP: '2001:db8::5', TCPLOCALIP: '192.0.2.1', TCPLOCALHOST: 'mx' }),
    'Received: from IPv6:2001:db8::5 ([IPv6:2001:db8::5])\n  by mx ([192.0.2.1])\n  with SMTP via TCP; DATE\nx\n',
    'an IPv6 client under PROTO=TCP (a PROXY header) is an IPv6 literal too',
  );
  t.equal(await header({ RELAYCLIENT: '', AUTH_ADD_RECEIVED: '0' }), 'x\n', 'trusted clients can go without Received');
  t.match(await header({ AUTH_ADD_RECEIVED: '0' }), /^Received: /, 'untrusted ones still get it');
  t.equal(receivedDate(new Date(Date.UTC(2026, 10, 5, 4, 3, 2))), '05 Nov 2026 04:03:02 -0000');
});

t.test('force-file: an unusable TMPDIR fails DATA without reading the body (P21)', async (t) => {
  const r = await dialog(['echo', 'force-file', 'accept'], MAIL + RCPT + 'DATA\r\nbody\r\n.\r\nQUIT\r\n', { ...CLIENT, TMPDIR: '/nonexistent' });
  t.same(r.replies.slice(3), ['451 4.3.0 Internal error.', '500 5.5.1 Not implemented.', '500 5.5.1 Not implemented.', '221 2.0.0 Good bye.']);
  const ok = await dialog(['echo', 'force-file', 'add-received', 'accept'], MAIL + RCPT + 'DATA\r\nbody\r\n.\r\nQUIT\r\n');
  t.match(ok.replies.at(-2), /^250 Received \d{3} bytes\.$/, 'the file holds the injected header too');
  t.ok(ok.log.includes('body'), 'echo logs the first client block');
  t.ok(ok.log.some((l) => l.startsWith('Received: from client.example.net')), 'and the first lines of the file');
});
