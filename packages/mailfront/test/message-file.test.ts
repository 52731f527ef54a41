// The temporary message file: never visible in $TMPDIR, two independent descriptors.
import t from 'tap';
import { readdirSync, readlinkSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { scratchDir } from '@mailfront/testkit';
import { MessageFile } from '../src/engine/message-file.js';

t.test('a message file leaves no name in the directory; its read descriptor stays at offset 0', async (t) => {
  const dir = scratchDir(t);
  const file = MessageFile.create(dir);
  t.same(readdirSync(dir), [], 'nothing in $TMPDIR while it is in use');
  file.append(Buffer.from('Subject: x\n\nbody\n'));
  file.append(Buffer.from('more\n'));
  t.equal(file.size, 22);
  t.equal(file.read(0, 100).toString(), 'Subject: x\n\nbody\nmore\n');
  t.equal(file.read(12, 4).toString(), 'body');
  // What a child given readFd as stdin reads first: the start of the message.
  const head = Buffer.alloc(7);
  t.equal(readSync(file.readFd, head, 0, 7, null), 7);
  t.equal(head.toString(), 'Subject');
  if (process.platform === 'linux') t.match(readlinkSync(`/proc/self/fd/${file.writeFd}`), /\(deleted\)$/, 'an unnamed or unlinked file');
  const chunks: Buffer[] = [];
  for await (const chunk of file.stream()) chunks.push(chunk as Buffer);
  t.equal(Buffer.concat(chunks).toString(), 'Subject: x\n\nbody\nmore\n', 'the stream reads from the start');
  file.close();
  file.close();
  t.same(readdirSync(dir), []);
});

t.test('a directory that does not exist is an error, not a file elsewhere', async (t) => {
  const dir = scratchDir(t);
  t.throws(() => MessageFile.create(join(dir, 'missing')), { code: 'ENOENT' });
  t.same(readdirSync(dir), []);
});
