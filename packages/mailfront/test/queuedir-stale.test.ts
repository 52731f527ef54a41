// Files that a killed session left in QUEUEDIR/tmp are removed once they
// are 36 hours old, when a message starts, at most once an hour per process.
import t from 'tap';
import { existsSync, mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scratchDir } from '@mailfront/testkit';
import { CLIENT, dialog } from './helpers/dialog.js';

const SESSION = 'MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\nDATA\r\nline\r\n.\r\nQUIT\r\n';
const HOUR = 3600;

function plant(path: string, hoursOld: number): void {
  writeFileSync(path, 'a@example.com\0half a mess');
  const when = Date.now() / 1000 - hoursOld * HOUR;
  utimesSync(path, when, when);
}

t.test('a file untouched for 36 hours goes; younger ones, directories and new/ stay', async (t) => {
  const dir = scratchDir(t);
  for (const sub of ['tmp', 'new']) mkdirSync(join(dir, sub));
  plant(join(dir, 'tmp', '1.000001.111'), 40);
  plant(join(dir, 'tmp', '2.000002.222'), 35);
  mkdirSync(join(dir, 'tmp', 'somebodys-directory'));
  plant(join(dir, 'new', '3.000003.333'), 400);
  const r = await dialog(['queuedir', 'accept'], SESSION, { ...CLIENT, QUEUEDIR: dir });
  t.equal(r.replies.at(-2), '250 2.6.0 Message accepted.');
  t.same(readdirSync(join(dir, 'tmp')).sort(), ['2.000002.222', 'somebodys-directory']);
  t.equal(readdirSync(join(dir, 'new')).length, 2, 'the queued message and the old one in new/');
  t.ok(r.log.some((l) => l === `removed 1 stale file (over 36 hours old) from ${join(dir, 'tmp')}`));
});

t.test('at most once an hour per process and directory', async (t) => {
  const dir = scratchDir(t);
  for (const sub of ['tmp', 'new']) mkdirSync(join(dir, sub));
  plant(join(dir, 'tmp', 'first'), 50);
  await dialog(['queuedir', 'accept'], SESSION, { ...CLIENT, QUEUEDIR: dir });
  t.notOk(existsSync(join(dir, 'tmp', 'first')));
  plant(join(dir, 'tmp', 'second'), 50);
  await dialog(['queuedir', 'accept'], SESSION, { ...CLIENT, QUEUEDIR: dir });
  t.ok(existsSync(join(dir, 'tmp', 'second')), 'the next session of this process does not sweep again');
});

t.test('a tmp/ that cannot be read is a warning, not a failed message', async (t) => {
  const dir = scratchDir(t);
  mkdirSync(join(dir, 'new'));
  mkdirSync(join(dir, 'work'));
  const r = await dialog(['queuedir', 'accept'], SESSION, { ...CLIENT, QUEUEDIR: dir, QUEUEDIR_TMP: 'work/../missing' });
  t.equal(r.replies[1], '451 4.3.0 Error creating queue file', 'no tmp/: the message cannot be written');
  t.ok(r.log.some((l) => /^Warning: cannot sweep .*missing: ENOENT/.test(l)));
});
