// The qmail backend in a long-lived process: qmail-queue through the
// helper shells (listen mode), with the same results as a direct spawn.
import t from 'tap';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ListenSession } from '@mailfront/core';
import { scratchDir } from '@mailfront/testkit';
import { QueueHelperPool, requestLine, shellQuote } from '../src/backends/queue-helper.js';
import { MessageFile } from '../src/engine/message-file.js';
import { qmailQueueProbe } from './helpers/queue-capture.js';
import { dialog } from './helpers/dialog.js';

const listen: ListenSession = {
  id: 1,
  runNext: () => Promise.reject(new Error('no')),
  windDown: new AbortController().signal,
  count: () => {},
};

const SESSION = 'MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\nDATA\r\nSubject: x\r\n\r\nbody\r\n.\r\nQUIT\r\n';

t.test('shell quoting: any text, one line', async (t) => {
  t.equal(shellQuote(`it's`), `'it'\\''s'`);
  t.equal(shellQuote('a\nb'), `'a'"$NL"'b'`);
  t.equal(requestLine({ program: 'x', cwd: '/', env: { 'NOT-A-NAME': '1' }, messageFd: 3, envelopeFd: 4 }, 1), undefined, 'a name sh cannot export');
});

t.test('listen mode: qmail-queue runs from a helper, with the message, the envelope, its directory and environment', async (t) => {
  const q = qmailQueueProbe(t);
  const tricky = `quote ' dollar $HOME back\`tick\` new\nline "double" \\ end`;
  const r = await dialog(['qmail', 'accept'], SESSION, { ...q.env, TRICKY: tricky }, undefined, listen);
  t.match(r.replies.at(-2), /^250 2\.6\.0 Accepted message qp \d+ bytes 17$/);
  t.equal(q.read('msg'), 'Subject: x\n\nbody\n');
  t.equal(q.read('env'), 'Fa@example.com\0Tb@example.org\0\0');
  t.equal(q.read('pwd')!.trim(), q.home);
  t.equal(q.read('vars'), `198.51.100.7|${tricky}|unset`, 'exactly the session environment, byte for byte');
  t.equal(r.replies.at(-2), `250 2.6.0 Accepted message qp ${q.read('pid')!.trim()} bytes 17`, 'qp is qmail-queue\'s pid');
});

t.test('listen mode with a temporary file (force-file): the same', async (t) => {
  const q = qmailQueueProbe(t);
  const r = await dialog(['qmail', 'add-received', 'accept', 'force-file'], SESSION, q.env, undefined, listen);
  t.match(r.replies.at(-2), /^250 2\.6\.0 Accepted message qp \d+ bytes \d+$/);
  t.match(q.read('msg'), /^Received: from client\.example\.net[^]*\n\nbody\n$/);
});

t.test('listen mode: failures are never acknowledged', async (t) => {
  const q = qmailQueueProbe(t);
  const status = await dialog(['qmail', 'accept'], SESSION, { ...q.env, QQEXIT: '53' }, undefined, listen);
  t.equal(status.replies.at(-2), '451 4.3.0 Write error (queue full?).');
  const perm = await dialog(['qmail', 'accept'], SESSION, { ...q.env, QQEXIT: '31' }, undefined, listen);
  t.equal(perm.replies.at(-2), '554 5.3.0 Message refused.');
  const killed = await dialog(['qmail', 'accept'], SESSION, { ...q.env, QQSIGNAL: 'KILL' }, undefined, listen);
  t.equal(killed.replies.at(-2), '451 4.3.0 qmail-queue crashed.');
  const missing = await dialog(['qmail', 'accept'], SESSION, { ...q.env, QMAILQUEUE: join(q.home, 'nope') }, undefined, listen);
  t.match(missing.replies.at(-2), /^451 /);
  t.match(missing.log.join('\n'), /cannot run qmail-queue/);
  const noHome = await dialog(['qmail', 'accept'], SESSION, { ...q.env, QMAILHOME: join(q.home, 'nope') }, undefined, listen);
  t.match(noHome.replies.at(-2), /^451 /);
});

t.test('a variable sh cannot export: spawned directly instead', async (t) => {
  const q = qmailQueueProbe(t);
  const r = await dialog(['qmail', 'accept'], SESSION, { ...q.env, 'ODD-NAME': 'x' }, undefined, listen);
  t.match(r.replies.at(-2), /^250 2\.6\.0 Accepted message qp \d+ bytes 17$/);
  t.equal(q.read('msg'), 'Subject: x\n\nbody\n');
});

t.test('the pool: runs at once up to its size, a dead helper fails its request and is replaced', async (t) => {
  const dir = scratchDir(t);
  const slow = join(dir, 'slow');
  writeFileSync(slow, '#!/bin/sh\ncat >/dev/null; cat <&1 >/dev/null; sleep 0.2; exit 0\n');
  chmodSync(slow, 0o755);
  const pool = new QueueHelperPool();
  const files = () => {
    const m = MessageFile.create(dir);
    const e = MessageFile.create(dir);
    e.append(Buffer.from('F\0\0'));
    return { m, e };
  };
  const runs = Array.from({ length: 20 }, () => {
    const { m, e } = files();
    return pool.run({ program: slow, cwd: dir, env: {}, messageFd: m.readFd, envelopeFd: e.readFd }).finally(() => {
      m.close();
      e.close();
    });
  });
  const outcomes = await Promise.all(runs);
  t.ok(outcomes.every((o) => o && 'status' in o && o.status === 0), 'more requests than helpers: they wait their turn');
  const { m, e } = files();
  const suicide = join(dir, 'suicide');
  writeFileSync(suicide, '#!/bin/sh\nkill -9 $PPID\nsleep 1\n');
  chmodSync(suicide, 0o755);
  t.match(await pool.run({ program: suicide, cwd: dir, env: {}, messageFd: m.readFd, envelopeFd: e.readFd }), { failed: /helper died/ });
  t.match(await pool.run({ program: slow, cwd: dir, env: {}, messageFd: m.readFd, envelopeFd: e.readFd }), { status: 0 }, 'a new helper takes over');
  m.close();
  e.close();
});
