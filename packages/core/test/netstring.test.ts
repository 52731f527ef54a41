import t from 'tap';
import {
  encodeNetstring,
  NetstringError,
  readExactly,
  readNetstring,
  readNetstringEnd,
  readNetstringLength,
  splitNetstrings,
} from '../src/netstring.js';
import { LimitedSource } from '../src/input.js';
import { ChunkSource, randomChunks } from './helpers/sources.js';

t.test('encode', async (t) => {
  t.equal(encodeNetstring('hello world!').toString(), '12:hello world!,');
  t.equal(encodeNetstring('').toString(), '0:,');
  t.same(encodeNetstring(Buffer.from([0, 255])), Buffer.from('2:\x00\xff,', 'latin1'));
});

t.test('read a netstring and leave what follows', async (t) => {
  const source = new ChunkSource(['12:hello world!,3:abc,']);
  t.equal((await readNetstring(source, 100)).toString(), 'hello world!');
  t.equal(source.rest(), '3:abc,');
  t.equal((await readNetstring(new ChunkSource(['0:,']), 10)).toString(), '');
  t.equal((await readNetstring(new ChunkSource(['005:abcde,']), 10)).toString(), 'abcde', 'leading zeros, as qmail');
});

t.test('any chunking reads the same', async (t) => {
  const text = '5:hello,0:,11:hello world,';
  for (let seed = 1; seed <= 100; seed++) {
    const source = new ChunkSource(randomChunks(text, seed, 3));
    const got = [await readNetstring(source, 20), await readNetstring(source, 20), await readNetstring(source, 20)];
    t.same(got.map(String), ['hello', '', 'hello world'], `seed ${seed}`);
  }
});

t.test('errors say what went wrong', async (t) => {
  const problem = async (text: string, max = 100) => {
    try {
      await readNetstring(new ChunkSource(text === '' ? [] : [text]), max);
      return 'none';
    } catch (e) {
      t.type(e, NetstringError);
      return (e as NetstringError).problem;
    }
  };
  t.equal(await problem('x:abc,'), 'format');
  t.equal(await problem(':abc,'), 'format', 'no digits');
  t.equal(await problem('3:abc;'), 'format', 'no comma');
  t.equal(await problem('3;abc,'), 'format');
  t.equal(await problem('101:'), 'too-long');
  t.equal(await problem('9999999999999999999999:'), 'too-long', 'no overflow');
  t.equal(await problem('12:abc'), 'eof');
  t.equal(await problem('12'), 'eof');
  t.equal(await problem(''), 'eof');
  t.equal(await problem('3:abc'), 'eof', 'no comma before end');
});

t.test('the length cap is checked before the body is read', async (t) => {
  const source = new ChunkSource(['2000:', 'x'.repeat(2000) + ',']);
  await t.rejects(readNetstringLength(source, 1000), { name: 'NetstringError', problem: 'too-long' });
  t.equal(source.reads, 1, 'the body was never requested');
});

t.test('readExactly and readNetstringEnd work through a window', async (t) => {
  const source = new ChunkSource(['abcdef', ',rest']);
  const window = new LimitedSource(source, 6);
  t.equal((await readExactly(window, 6)).toString(), 'abcdef');
  await readNetstringEnd(new ChunkSource([Buffer.alloc(0), ',']));
  await readNetstringEnd(source);
  t.equal(source.rest(), 'rest');
});

t.test('splitNetstrings', async (t) => {
  t.same(splitNetstrings(Buffer.from('3:a@b,0:,5:c@d.e,'), 100).map(String), ['a@b', '', 'c@d.e']);
  t.same(splitNetstrings(Buffer.alloc(0), 100), []);
  for (const bad of ['3:a@b', '3:a@b;', 'x:,', ':a,', '3:ab', '1234567890123456:']) {
    t.throws(() => splitNetstrings(Buffer.from(bad), 100), NetstringError, bad);
  }
  t.throws(() => splitNetstrings(Buffer.from('5:abcde,'), 4), { name: 'NetstringError', problem: 'too-long' });
});
