import t from 'tap';
import { PassThrough, Readable } from 'node:stream';
import { ByteInput, EofError, LimitedSource, TimeoutError } from '../src/input.js';
import { ChunkSource } from './helpers/sources.js';

t.test('reads chunks, then null at end of input', async (t) => {
  const input = new ByteInput(Readable.from([Buffer.from('abc'), Buffer.from('def')], { objectMode: false }));
  const got: string[] = [];
  for (let c; (c = await input.read()) !== null; ) got.push(c.toString());
  t.equal(got.join(''), 'abcdef');
  t.equal(input.bytesIn, 6);
  t.equal(await input.read(), null, 'stays at end');
});

t.test('unread bytes come back first', async (t) => {
  const stream = new PassThrough();
  const input = new ByteInput(stream);
  stream.end('xyz');
  const first = await input.read();
  input.unread(first!.subarray(1));
  input.unread(Buffer.alloc(0));
  t.equal(input.pending, 2);
  t.equal((await input.read())!.toString(), 'yz');
});

t.test('waits for data that arrives later', async (t) => {
  const stream = new PassThrough();
  const input = new ByteInput(stream);
  setTimeout(() => stream.write('late'), 20);
  t.equal((await input.read(1000))!.toString(), 'late');
});

t.test('times out when nothing arrives', async (t) => {
  const stream = new PassThrough();
  const input = new ByteInput(stream);
  await t.rejects(input.read(30), TimeoutError);
  stream.write('after');
  t.equal((await input.read(1000))!.toString(), 'after', 'usable after a timeout');
});

t.test('a stream error is the end of input, not a crash', async (t) => {
  const stream = new PassThrough();
  const input = new ByteInput(stream);
  setTimeout(() => stream.destroy(new Error('ECONNRESET')), 10);
  t.equal(await input.read(), null);
  t.equal(input.error?.message, 'ECONNRESET');
});

t.test('discardPending drops what the client sent ahead', async (t) => {
  const stream = new PassThrough();
  const input = new ByteInput(stream);
  stream.write('STARTTLS\r\nMAIL FROM:<evil>\r\n');
  const chunk = await input.read();
  input.unread(chunk!.subarray(10));
  stream.write('RCPT TO:<x>\r\n');
  await new Promise((r) => setImmediate(r));
  t.equal(input.discardPending(), 'MAIL FROM:<evil>\r\n'.length + 'RCPT TO:<x>\r\n'.length);
  t.equal(input.pending, 0);
});

t.test('replaceStream continues on a new stream', async (t) => {
  const a = new PassThrough();
  const input = new ByteInput(a);
  a.write('old');
  await input.read();
  const b = new PassThrough();
  input.replaceStream(b);
  b.end('new');
  t.equal((await input.read())!.toString(), 'new');
  t.equal(await input.read(), null);
});

t.test('LimitedSource stops at its limit and returns the rest to its source', async (t) => {
  const outer = new ChunkSource(['hello', ' world']);
  const window = new LimitedSource(outer, 7);
  t.equal((await window.read())!.toString(), 'hello');
  t.equal((await window.read())!.toString(), ' w');
  t.equal(window.remaining, 0);
  t.equal(await window.read(), null);
  t.equal(outer.rest(), 'orld');
  const w2 = new LimitedSource(new ChunkSource(['ab']), 5);
  const c = await w2.read();
  w2.unread(c!.subarray(1));
  t.equal(w2.remaining, 4);
  t.equal((await w2.read())!.toString(), 'b');
  t.equal(await w2.read(), null, 'source ended before the limit');
  t.equal(w2.remaining, 3);
});

t.test('EofError and TimeoutError carry default messages', async (t) => {
  t.equal(new EofError().message, 'connection closed by peer');
  t.equal(new TimeoutError().name, 'TimeoutError');
});
