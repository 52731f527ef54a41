import t from 'tap';
import { mkdirSync, rmSync, unlinkSync, writeFileSync, chmodSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { writeCdb } from '@mailfront/cdb64';
import { scratchDir } from '@mailfront/testkit';
import { recheckAllNow } from '@mailfront/core';
import { QmailControl, sharedQmailControl } from '../src/qmail-control.js';
import { WatchedFile, FileTooLargeError } from '../src/watched-file.js';
import { qmailTree } from './helpers/tree.js';

t.test('control files are re-read when they change', async (t) => {
  const root = qmailTree(t);
  const qmail = new QmailControl(root);
  t.teardown(() => qmail.close());
  t.ok(qmail.locals().has('example.org'));
  t.equal(qmail.virtualDomains().get('virt.test'), 'vuser');
  t.equal(qmail.me(), 'mail.example.org');
  t.equal(qmail.envnoathost(), 'mail.example.org', 'falls back to me');
  writeFileSync(join(root, 'control/envnoathost'), 'virt.test\n');
  recheckAllNow();
  t.equal(qmail.envnoathost(), 'virt.test');
  unlinkSync(join(root, 'control/me'));
  unlinkSync(join(root, 'control/envnoathost'));
  recheckAllNow();
  t.equal(qmail.envnoathost(), 'envnoathost');
  writeFileSync(join(root, 'control/locals'), 'new.test\nmore.test\n');
  recheckAllNow();
  t.same([...qmail.locals()], ['new.test', 'more.test'], 'same second, other size: re-read');
  rmSync(join(root, 'control/locals'));
  recheckAllNow();
  t.equal(qmail.locals().size, 0, 'a removed file is empty');
  mkdirSync(join(root, 'control/locals'));
  recheckAllNow();
  t.equal(qmail.locals().size, 0, 'a directory reads as empty');
  t.ok(qmail.users()?.has('!joe\0'));
  rmSync(join(root, 'users/cdb'));
  recheckAllNow();
  t.equal(qmail.users(), undefined, 'users/cdb removed');
  writeCdb(join(root, 'users/cdb'), [['!x\0', 'x\x001\x001\0/\0\0']]);
  recheckAllNow();
  t.ok(qmail.users()?.has('!x\0'), 'users/cdb replaced');
});

t.test('receiving checks: rcpthosts, morercpthosts.cdb, badmailfrom, badrcptto, databytes', async (t) => {
  const root = qmailTree(t);
  const qmail = new QmailControl(root);
  t.teardown(() => qmail.close());
  t.notOk(qmail.rcpthosts().allows('example.org'));
  t.equal(qmail.rcpthosts(), qmail.rcpthosts(), 'unchanged files give the same checker');
  writeFileSync(join(root, 'control/rcpthosts'), 'example.org\n.example.net\n');
  recheckAllNow();
  t.ok(qmail.rcpthosts().allows('EXAMPLE.org'));
  writeCdb(join(root, 'control/morercpthosts.cdb'), [['more.example', '']]);
  recheckAllNow();
  t.ok(qmail.rcpthosts().allows('more.example'));
  t.notOk(qmail.badmailfrom().matches('bad@example.com'));
  writeFileSync(join(root, 'control/badmailfrom'), 'bad@example.com\n@spam.example\n');
  writeFileSync(join(root, 'control/badrcptto'), 'nobody@example.org\n');
  recheckAllNow();
  t.ok(qmail.badmailfrom().matches('x@SPAM.example'));
  t.ok(qmail.badrcptto().matches('Nobody@example.org'));
  t.equal(qmail.databytes(), 0);
  writeFileSync(join(root, 'control/databytes'), '1000000\n');
  recheckAllNow();
  t.equal(qmail.databytes(), 1000000);
  t.equal(new QmailControl().root, '/var/qmail');
});

t.test('WatchedFile: errors other than a missing file are thrown', async (t) => {
  const dir = scratchDir(t);
  const path = join(dir, 'sub/file');
  mkdirSync(join(dir, 'sub'));
  writeFileSync(path, 'x');
  let reads = 0;
  const watched = new WatchedFile(path, (c) => {
    reads++;
    return c?.toString();
  });
  t.equal(watched.get(), 'x');
  t.equal(watched.get(), 'x');
  t.equal(reads, 1, 'unchanged: not read again');
  const other = join(dir, 'other');
  writeFileSync(other, 'y');
  renameSync(other, path);
  recheckAllNow();
  t.equal(watched.get(), 'y', 'replaced by rename');
  t.equal(new WatchedFile(join(path, 'below'), (c) => c).get(), undefined, 'ENOTDIR is absent');
  if (process.getuid?.() !== 0) {
    chmodSync(join(dir, 'sub'), 0);
    t.throws(() => new WatchedFile(path, (c) => c).get());
    chmodSync(join(dir, 'sub'), 0o755);
  }
  writeFileSync(path, Buffer.alloc(10));
  recheckAllNow();
  t.ok(FileTooLargeError);
});

t.test('files are looked at at most once a second; a change is seen within that second', async (t) => {
  const root = qmailTree(t);
  let now = 0;
  const qmail = new QmailControl(root, { clock: () => now });
  t.teardown(() => qmail.close());
  t.notOk(qmail.rcpthosts().allows('late.example'));
  t.ok(qmail.users()?.has('!joe\0'));
  writeFileSync(join(root, 'control/rcpthosts'), 'late.example\n');
  rmSync(join(root, 'users/cdb'));
  now = 999;
  t.notOk(qmail.rcpthosts().allows('late.example'), 'within the second: the parsed file, without a stat');
  t.ok(qmail.users()?.has('!joe\0'), 'within the second: the open cdb');
  now = 1000;
  t.ok(qmail.rcpthosts().allows('late.example'), 'a second after the last look: the change is seen');
  t.equal(qmail.users(), undefined, 'and the removed cdb is gone');
  writeFileSync(join(root, 'control/rcpthosts'), 'other.example\n');
  now = 1500;
  t.ok(qmail.rcpthosts().allows('late.example'), 'the next look is a second after the last one');
  recheckAllNow();
  t.ok(qmail.rcpthosts().allows('other.example'), 'recheckAllNow: looked at on the next use');
});

t.test('sharedQmailControl: one per qmail directory in a process', async (t) => {
  const root = qmailTree(t);
  t.equal(sharedQmailControl(root), sharedQmailControl(root));
  t.not(sharedQmailControl(root), sharedQmailControl(qmailTree(t)));
  t.equal(sharedQmailControl(root).root, root);
});
