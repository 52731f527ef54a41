// The receivers in listen mode (io.session set, as mailfront-tcpsvd runs
// them): the session id in log lines, the counters, and winding down.
import t from 'tap';
import type { ListenSession } from '@mailfront/core';
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
    bytes_in: Buffer.byteLength(input),
    bytes_out: Buffer.byteLength(r.stdout, 'latin1'),
  });
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
