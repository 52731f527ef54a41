import t from 'tap';
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scratchDir } from '@mailfront/testkit';
import { AtomicFile } from '../src/index.js';
import { temporaryNameFor } from '../src/atomic-file.js';
import { listDir } from './helpers/files.js';

t.test('temporary names are hidden, beside the target, and unique', async (t) => {
  const a = temporaryNameFor('/some/dir/users.cdb');
  t.match(a, /^\/some\/dir\/\.users\.cdb\.\d+\.[0-9a-f]{12}\.tmp$/);
  t.not(temporaryNameFor('/some/dir/users.cdb'), a);
  t.match(temporaryNameFor('rel.cdb'), /^\.rel\.cdb\./);
});

t.test('positioned writes, commit, and no use after commit', async (t) => {
  const dir = scratchDir(t);
  const file = new AtomicFile(join(dir, 'f'));
  file.write(Buffer.from('world'), 6);
  file.write(Buffer.from('hello '), 0);
  file.commit();
  t.equal(readFileSync(join(dir, 'f'), 'latin1'), 'hello world');
  t.throws(() => file.write(Buffer.from('x'), 0), /already committed/);
  t.throws(() => file.commit(), /already committed/);
  file.abort();
  t.equal(readFileSync(join(dir, 'f'), 'latin1'), 'hello world', 'abort after commit changes nothing');
});

t.test('two writers of one name do not disturb each other; the last commit wins', async (t) => {
  const dir = scratchDir(t);
  const target = join(dir, 'f');
  writeFileSync(target, 'old');
  const a = new AtomicFile(target);
  const b = new AtomicFile(target);
  a.write(Buffer.from('from a'), 0);
  b.write(Buffer.from('from b'), 0);
  t.equal(listDir(dir).length, 3);
  a.commit();
  t.equal(readFileSync(target, 'latin1'), 'from a');
  b.commit();
  t.equal(readFileSync(target, 'latin1'), 'from b');
  t.same(listDir(dir), ['f']);
});

t.test('abort is quiet when the temporary file is already gone', async (t) => {
  const dir = scratchDir(t);
  const file = new AtomicFile(join(dir, 'f'));
  unlinkSync(file.tempPath);
  t.doesNotThrow(() => file.abort());
  t.same(listDir(dir), []);
  t.throws(() => file.commit(), /already aborted/);
});
