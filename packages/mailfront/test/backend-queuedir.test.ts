import t from 'tap';
import { tmpdir } from 'node:os';
import { chmodSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { createLogger, ucspiFromEnv } from '@mailfront/core';
import { scratchDir } from '@mailfront/testkit';
import { queuedirBackend } from '../src/backends/queuedir.js';
import { Engine } from '../src/engine/engine.js';
import { Session } from '../src/engine/session.js';
import { accept } from '../src/plugins/accept.js';
import { CLIENT, dialog } from './helpers/dialog.js';

function queue(t: { teardown(fn: () => void): void }) {
  const dir = scratchDir(t);
  for (const sub of ['tmp', 'new']) mkdirSync(join(dir, sub));
  const files = (sub: string) => readdirSync(join(dir, sub));
  const contents = () => files('new').map((f) => readFileSync(join(dir, 'new', f), 'latin1'));
  return { dir, files, contents };
}

const SESSION = 'MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\nRCPT TO:<c@example.org>\r\nDATA\r\nline\r\n.\r\nQUIT\r\n';

t.test('the file: sender NUL recipients NUL NUL message, in new/, named sec.usec.pid', async (t) => {
  const q = queue(t);
  const r = await dialog(['queuedir', 'accept'], SESSION, { ...CLIENT, QUEUEDIR: q.dir });
  t.equal(r.replies.at(-2), '250 2.6.0 Message accepted.');
  t.same(q.contents(), ['a@example.com\0b@example.org\0c@example.org\0\0line\n']);
  t.match(q.files('new')[0], new RegExp(`^\\d+\\.\\d{6}\\.${process.pid}$`));
  t.same(q.files('tmp'), [], 'nothing left in tmp');
});

t.test('two messages in a session get two files; QUEUEDIR_NOSYNC, _TMP and _DEST', async (t) => {
  const q = queue(t);
  mkdirSync(join(q.dir, 'work'));
  mkdirSync(join(q.dir, 'done'));
  const env = { ...CLIENT, QUEUEDIR: q.dir, QUEUEDIR_NOSYNC: '1', QUEUEDIR_TMP: 'work', QUEUEDIR_DEST: 'done' };
  await dialog(['queuedir', 'accept'], SESSION.replace('QUIT\r\n', '') + SESSION, env);
  t.equal(q.files('done').length, 2);
  t.same(q.files('work'), []);
});

t.test('QUEUEDIR unset: the sender is refused (B1)', async (t) => {
  const r = await dialog(['queuedir', 'accept'], SESSION, CLIENT);
  t.equal(r.replies[1], '451 4.3.0 Missing backend configuration parameter');
});

t.test('RSET and a dropped connection leave nothing behind', async (t) => {
  const q = queue(t);
  await dialog(['queuedir', 'accept'], 'MAIL FROM:<a@b.c>\r\nRCPT TO:<d@e.f>\r\nRSET\r\nQUIT\r\n', { ...CLIENT, QUEUEDIR: q.dir });
  await dialog(['queuedir', 'accept'], 'MAIL FROM:<a@b.c>\r\nRCPT TO:<d@e.f>\r\nDATA\r\npartial', { ...CLIENT, QUEUEDIR: q.dir });
  t.same(q.files('tmp'), []);
  t.same(q.files('new'), []);
});

t.test('an unwritable queue gives 451s, never a 250', async (t) => {
  const q = queue(t);
  chmodSync(join(q.dir, 'tmp'), 0o500);
  t.teardown(() => chmodSync(join(q.dir, 'tmp'), 0o755));
  const r = await dialog(['queuedir', 'accept'], SESSION, { ...CLIENT, QUEUEDIR: q.dir });
  if (process.getuid?.() === 0) {
    // root ignores directory permissions; remove the destination instead.
    t.pass('running as root: permission case skipped');
  } else {
    t.equal(r.replies[1], '451 4.3.0 Error creating queue file');
  }
  const missingDest = queue(t);
  const r2 = await dialog(['queuedir', 'accept'], SESSION, { ...CLIENT, QUEUEDIR: missingDest.dir, QUEUEDIR_DEST: 'nope' });
  t.equal(r2.replies.at(-2), '451 4.3.0 Error writing queue file');
  t.same(missingDest.files('tmp'), [], 'the unfinished file is removed');
});

t.test('data before the envelope (QMTP order) still writes the NUL separator', async (t) => {
  const q = queue(t);
  const env = { QUEUEDIR: q.dir, QUEUEDIR_NOSYNC: '1' };
  const session = new Session({ env, ucspi: ucspiFromEnv(env), log: createLogger('t', new PassThrough()) });
  const engine = new Engine({ session, backend: queuedirBackend(), plugins: [accept], tmpdir: tmpdir() });
  t.equal(await engine.data.start(), undefined);
  await engine.data.block(Buffer.from('early body\n'));
  t.equal(await engine.sender({ address: 's@x.y', params: [] }), undefined, 'accepted without text');
  await engine.recipient({ address: 'r@x.y', params: [] });
  t.equal(await engine.data.end(), undefined);
  t.same(q.contents(), ['s@x.y\0r@x.y\0\0early body\n']);
  await engine.close();
});

t.test('with a temporary file (NEED_FILE) the file is queued: injected headers are kept', async (t) => {
  const q = queue(t);
  const r = await dialog(['queuedir', 'force-file', 'add-received', 'accept'], SESSION, { ...CLIENT, QUEUEDIR: q.dir });
  t.equal(r.replies.at(-2), '250 2.6.0 Message accepted.');
  t.match(q.contents()[0], /^a@example\.com\0b@example\.org\0c@example\.org\0\0Received: from [^\n]*\n  by [^\n]*\n  with SMTP via TCP; [^\n]*\nline\n$/);
});
