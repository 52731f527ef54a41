import t from 'tap';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '@mailfront/testkit';
import { statusResponse } from '../src/backends/qmail-queue-status.js';
import { qmailQueueProbe } from './helpers/queue-capture.js';
import { dialog, slowClient } from './helpers/dialog.js';

const SESSION = 'MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\nRCPT TO:<c@example.org>\r\nDATA\r\nSubject: x\r\n\r\nbody\r\n.\r\nQUIT\r\n';

t.test('success: message on fd 0, envelope on fd 1, 250 with pid and size', async (t) => {
  const q = qmailQueueProbe(t);
  const r = await dialog(['qmail', 'accept'], SESSION, q.env);
  t.match(r.replies.at(-2), /^250 2\.6\.0 Accepted message qp \d+ bytes 17$/);
  t.equal(q.read('msg'), 'Subject: x\n\nbody\n');
  t.equal(q.read('env'), 'Fa@example.com\0Tb@example.org\0Tc@example.org\0\0', 'exact envelope bytes');
  t.equal(q.read('pwd')!.trim(), q.home, 'qmail-queue runs in QMAILHOME');
  t.equal(q.read('vars'), '198.51.100.7||unset', 'it inherits the environment');
  t.ok(r.log.some((l) => /^2\.6\.0 Accepted message qp \d+ bytes 17$/.test(l)));
});

t.test('with a temporary file (force-file) and injected headers', async (t) => {
  const q = qmailQueueProbe(t);
  const r = await dialog(['qmail', 'add-received', 'accept', 'force-file'], SESSION, q.env);
  t.match(r.replies.at(-2), /^250 2\.6\.0 Accepted message qp \d+ bytes \d+$/);
  t.match(q.read('msg'), /^Received: from client\.example\.net \(client\.example\.net \[198\.51\.100\.7\]\)\n  by mx\.example\.com/);
  t.match(q.read('msg'), /\n\nbody\n$/);
  t.equal(q.read('env'), 'Fa@example.com\0Tb@example.org\0Tc@example.org\0\0');
});

t.test('every exit status gets its text and class', async (t) => {
  const q = qmailQueueProbe(t);
  for (const [status, reply] of [
    [11, '554 5.1.3 Address too long.'],
    [31, '554 5.3.0 Message refused.'],
    [40, '554 5.3.0 Message rejected by qmail-queue.'],
    [41, '451 4.3.0 Temporary qmail-queue failure.'],
    [53, '451 4.3.0 Write error (queue full?).'],
    [71, '451 4.3.0 Message refused by mail server.'],
    [91, '451 4.3.0 Envelope format error.'],
    [1, '451 4.3.0 Temporary qmail-queue failure.'],
  ] as const) {
    const r = await dialog(['qmail', 'accept'], SESSION, { ...q.env, QQEXIT: String(status) });
    t.equal(r.replies.at(-2), reply, `exit ${status}`);
  }
  t.same(statusResponse(120, undefined), { code: 451, text: '4.3.0 Temporary qmail-queue failure.' });
});

t.test('QQERRMSG_<n> replaces the text; the class stays', async (t) => {
  const q = qmailQueueProbe(t);
  const r = await dialog(['qmail', 'accept'], SESSION, { ...q.env, QQEXIT: '31', QQERRMSG_31: '5.7.1 Not here.' });
  t.equal(r.replies.at(-2), '554 5.7.1 Not here.');
});

t.test('a crash, a missing program, a missing QMAILHOME', async (t) => {
  const q = qmailQueueProbe(t);
  const crash = await dialog(['qmail', 'accept'], SESSION, { ...q.env, QQSIGNAL: 'KILL' });
  t.equal(crash.replies.at(-2), '451 4.3.0 qmail-queue crashed.');
  const missing = await dialog(['qmail', 'accept'], SESSION, { ...q.env, QMAILQUEUE: join(q.home, 'nope') });
  t.equal(missing.replies.at(-2), '451 4.3.0 Temporary qmail-queue failure.');
  t.ok(missing.log.some((l) => /cannot run qmail-queue/.test(l)));
  const nohome = await dialog(['qmail', 'accept'], SESSION, { ...q.env, QMAILHOME: join(q.home, 'nope') });
  t.equal(nohome.replies[4], '451 4.3.0 Could not change to the qmail directory.', 'at DATA, no 354');
  const nohomeFile = await dialog(['qmail', 'accept', 'force-file'], SESSION, { ...q.env, QMAILHOME: join(q.home, 'nope') });
  t.equal(nohomeFile.replies.at(-2), '451 4.3.0 Could not change to the qmail directory.', 'at the end with a file');
});

t.test('QMAILQUEUE names the program (the filter hook)', async (t) => {
  const q = qmailQueueProbe(t);
  const filter = join(q.home, 'bin', 'filter');
  writeFileSync(filter, '#!/bin/sh\ncat > "$OUT/filtered"; exit 31\n');
  chmodSync(filter, 0o755);
  const r = await dialog(['qmail', 'accept'], SESSION, { ...q.env, QMAILQUEUE: 'bin/filter' });
  t.equal(r.replies.at(-2), '554 5.3.0 Message refused.');
  t.equal(q.read('filtered'), 'Subject: x\n\nbody\n');
});

t.test('a refused or dropped message never gets an envelope', async (t) => {
  const q = qmailQueueProbe(t);
  const refused = await dialog(['qmail', 'accept'], SESSION.replace('body', 'bo\ndy'), { ...q.env, SMTP_BARE_NEWLINE: 'reject' });
  t.match(refused.replies.at(-2), /^550 5\.5\.2/);
  await waitFor('qmail-queue to finish', () => q.read('done') !== undefined);
  t.equal(q.read('env'), '', 'qmail-queue saw no envelope, so it queued nothing');

  const q2 = qmailQueueProbe(t);
  const client = slowClient();
  client.send('MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\nDATA\r\npartial\r\n');
  setTimeout(() => client.end(), 100);
  const dropped = await dialog(['qmail', 'accept'], client.stream, q2.env);
  t.equal(dropped.status, 1);
  await waitFor('qmail-queue to finish', () => q2.read('done') !== undefined);
  t.equal(q2.read('env'), '', 'no envelope after a dropped connection');
});

t.test('a large message streams through with backpressure', async (t) => {
  const q = qmailQueueProbe(t);
  const line = 'x'.repeat(998) + '\r\n';
  const body = line.repeat(5000);
  const r = await dialog(['qmail', 'accept'], `MAIL FROM:<a@b.c>\r\nRCPT TO:<d@e.f>\r\nDATA\r\n${body}.\r\nQUIT\r\n`, q.env);
  t.match(r.replies.at(-2), /^250 2\.6\.0 Accepted message qp \d+ bytes 4995000$/);
  t.equal(q.read('msg')!.length, 4_995_000);
});
