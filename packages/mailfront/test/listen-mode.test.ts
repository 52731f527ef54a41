// The receivers in listen mode (io.session set, as mailfront-tcpsvd runs
// them): the session id in log lines, the counters, and winding down.
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ListenSession } from '@mailfront/core';
import { scratchDir, startDnsServer } from '@mailfront/testkit';
import type { Protocol } from '../src/protocols/protocol.js';
import { qmtp } from '../src/protocols/qmtp/index.js';
import { CLIENT, dialog, slowClient } from './helpers/dialog.js';

function listenSession(id = 4711) {
  const stop = new AbortController();
  const counters: Record<string, number> = {};
  const session: ListenSession = {
    id,
    runNext: () => Promise.reject(new Error('receivers hand off to nobody')),
    windDown: stop.signal,
    count: (name, amount = 1) => (counters[name] = (counters[name] ?? 0) + amount),
  };
  return { session, stop, counters };
}


t.test('log lines carry the session id in place of the pid', async (t) => {
  const { session } = listenSession(4711);
  const r = await dialog(['echo', 'accept'], 'QUIT\r\n', CLIENT, undefined, session);
  t.match(r.rawLog.at(-1), /^test\[4711\]: bytes in: 6 bytes out: \d+$/);
});

t.test('counters: messages, recipients and bytes of the session', async (t) => {
  const { session, counters } = listenSession();
  const input =
    'HELO c\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\nRCPT TO:<c@example.org>\r\nDATA\r\nhi\r\n.\r\n' +
    'MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\nDATA\r\n' +
    'x'.repeat(2000) +
    '\r\n.\r\nQUIT\r\n';
  const r = await dialog(['echo', 'counters', 'accept'], input, { ...CLIENT, DATABYTES: '1000' }, undefined, session);
  t.match(r.replies.join('\n'), /552/, 'the second message is too big');
  t.same(counters, {
    recipients_accepted: 3,
    messages_accepted: 1,
    messages_refused: 1,
    message_bytes: 3 + 2001,
    bytes_in: Buffer.byteLength(input),
    bytes_out: Buffer.byteLength(r.stdout, 'latin1'),
  });
});

t.test('metrics: refusals by plugin, temporary refusals, timings; the listener\'s rate limits at MAIL and RCPT', async (t) => {
  const { session, counters } = listenSession();
  const observed: string[] = [];
  const asked: string[] = [];
  let recipients = 0;
  const limited: ListenSession = {
    ...session,
    observe: (name) => void observed.push(name),
    limit: async (event) => {
      asked.push(event);
      if (event === 'recipient' && ++recipients > 2) return { code: 451, text: '4.7.1 Too many recipients from 198.51.100.7, try again later' };
      return undefined;
    },
  };
  const input =
    'HELO c\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\nRCPT TO:<b@bad>\r\nRCPT TO:<c@example.org>\r\nDATA\r\nhi\r\n.\r\nQUIT\r\n';
  const r = await dialog(['echo', 'check-fqdn', 'accept'], input, CLIENT, undefined, limited);
  t.same(r.replies.slice(3, 6), [
    "250 Recipient='b@example.org'.",
    '554 5.1.2 Address does not contain a fully qualified domain name',
    '451 4.7.1 Too many recipients from 198.51.100.7, try again later',
  ]);
  t.equal(counters['recipients_rejected:check-fqdn'], 1);
  t.equal(counters['recipients_rejected:ratelimit'], 1);
  t.same(asked, ['message', 'recipient', 'recipient', 'recipient']);
  t.same(observed, ['backend_seconds']);
  const sender = await dialog(['echo', 'accept'], 'MAIL FROM:<a@b.c>\r\nQUIT\r\n', CLIENT, undefined, {
    ...session,
    limit: async (event) => (event === 'message' ? { code: 451, text: '4.7.1 Too much mail from 198.51.100.7, try again later' } : undefined),
  });
  t.equal(sender.replies[1], '451 4.7.1 Too much mail from 198.51.100.7, try again later');
  const nobody = listenSession();
  await dialog(['echo', 'accept-sender'], 'MAIL FROM:<a@b.c>\r\nRCPT TO:<d@e.f>\r\nQUIT\r\n', CLIENT, undefined, nobody.session);
  t.equal(nobody.counters['recipients_rejected:none'], 1, 'no plugin accepted the recipient');
  const plugin = join(scratchDir(t), 'later.mjs');
  writeFileSync(plugin, "export default { name: 'later', create: () => ({ messageEnd: () => ({ code: 451, text: '4.3.0 Try later' }) }) };\n");
  const temp = listenSession();
  const data = 'MAIL FROM:<a@b.c>\r\nRCPT TO:<d@e.f>\r\nDATA\r\nhi\r\n.\r\nQUIT\r\n';
  await dialog(['echo', plugin, 'accept'], data, CLIENT, undefined, temp.session);
  t.same([temp.counters.messages_refused, temp.counters.messages_tempfail, temp.counters.message_bytes], [1, 1, 3], 'a 4xx at the end of DATA');
});

t.test('metrics: a DNSBL listing counts as a hit of its zone, even when an allow list wins', async (t) => {
  const dns = await startDnsServer({ '7.100.51.198.bl.test': { a: ['127.0.0.2'] }, '7.100.51.198.ok.test': { a: ['127.0.0.2'] } });
  t.teardown(() => dns.stop());
  const { session, counters } = listenSession();
  const env = { ...CLIENT, DNSCACHEIP: dns.address, RBL_BLACKLISTS: 'bl.test,clean.test', RBL_WHITELISTS: 'ok.test' };
  await dialog(['echo', 'rbl', 'accept'], 'MAIL FROM:<a@b.c>\r\nQUIT\r\n', env, undefined, session);
  t.equal(counters['dnsbl_hits:bl.test'], 1);
  t.equal(counters['dnsbl_hits:clean.test'], undefined);
});

t.test('SMTP: an idle session is told 421 at once when the listener winds down', async (t) => {
  const { session, stop } = listenSession();
  const client = slowClient();
  const result = dialog(['echo', 'accept'], client.stream, CLIENT, undefined, session);
  client.send('HELO c\r\n');
  await new Promise((r) => setTimeout(r, 50));
  stop.abort();
  const r = await result;
  client.end(); // what the listener does with the socket once the session is over
  t.same(r.replies, ['220 mx.example.com mailfront ESMTP', '250 mx.example.com', '421 4.3.2 mx.example.com shutting down, closing connection.']);
  t.equal(r.status, 0);
});

t.test('SMTP: a message in DATA is received whole, then the session ends', async (t) => {
  const { session, stop } = listenSession();
  const client = slowClient();
  const result = dialog(['echo', 'accept'], client.stream, CLIENT, undefined, session);
  client.send('HELO c\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\nDATA\r\nfirst half\r\n');
  await new Promise((r) => setTimeout(r, 50));
  stop.abort();
  client.send('second half\r\n.\r\nNOOP\r\n');
  const r = await result;
  client.end(); // what the listener does with the socket once the session is over
  t.same(r.replies.slice(-3), ['354 End your message with a period on a line by itself.', '250 Received 23 bytes.', '421 4.3.2 mx.example.com shutting down, closing connection.']);
});

t.test('SMTP: a session that starts while winding down hears only 220 and 421', async (t) => {
  const { session, stop } = listenSession();
  stop.abort();
  const r = await dialog(['echo', 'accept'], 'HELO c\r\n', CLIENT, undefined, session);
  t.same(r.replies, ['220 mx.example.com mailfront ESMTP', '421 4.3.2 mx.example.com shutting down, closing connection.']);
});

t.test('QMTP: winding down ends the session between packages, after the answer', async (t) => {
  const { session, stop } = listenSession();
  const client = slowClient();
  const result = dialog(['echo', 'accept'], client.stream, CLIENT, qmtp as Protocol<unknown>, session);
  client.send('6:\nbody\n,13:a@example.com,17:13:b@example.org,,');
  await new Promise((r) => setTimeout(r, 50));
  stop.abort();
  const r = await result;
  client.end(); // what the listener does with the socket once the session is over
  t.equal(r.stdout, '18:KReceived 5 bytes.,');
  t.equal(r.status, 0);
  const idle = listenSession();
  idle.stop.abort();
  const quiet = slowClient();
  const none = await dialog(['echo', 'accept'], quiet.stream, CLIENT, qmtp as Protocol<unknown>, idle.session);
  quiet.end();
  t.equal(none.stdout, '', 'nothing read, nothing answered');
});
