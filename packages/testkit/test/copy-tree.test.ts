import t from 'tap';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { copyTree, scratchDir } from '../src/index.js';

t.test('copyTree copies a directory and replaces placeholders', async (t) => {
  const dir = scratchDir(t);
  mkdirSync(join(dir, 'from/sub'), { recursive: true });
  writeFileSync(join(dir, 'from/a'), 'home=@ROOT@/x @ROOT@\n');
  writeFileSync(join(dir, 'from/sub/b'), 'unchanged\n');
  copyTree(join(dir, 'from'), join(dir, 'to'), { '@ROOT@': '/r' });
  t.equal(readFileSync(join(dir, 'to/a'), 'utf8'), 'home=/r/x /r\n');
  t.equal(readFileSync(join(dir, 'to/sub/b'), 'utf8'), 'unchanged\n');
  copyTree(join(dir, 'from'), join(dir, 'plain'));
  t.equal(readFileSync(join(dir, 'plain/a'), 'utf8'), 'home=@ROOT@/x @ROOT@\n');
});

t.test('collector keeps what is written', async (t) => {
  const { collector } = await import('../src/index.js');
  const out = collector();
  out.stream.write('héllo ');
  out.stream.write(Buffer.from([0x21]));
  await new Promise<void>((r) => out.stream.end(r));
  t.equal(out.text(), 'héllo !');
  t.same(out.bytes(), Buffer.from('héllo !'));
});
