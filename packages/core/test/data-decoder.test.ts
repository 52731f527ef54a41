import t from 'tap';
import { Readable } from 'node:stream';
import { DataDecoder } from '../src/data-decoder.js';
import { ByteInput, EofError } from '../src/input.js';
import { ChunkSource, randomChunks } from './helpers/sources.js';

interface Decoded {
  message: string;
  rest: string;
  bareLf: number;
  bareCr: number;
}

async function decode(chunks: Array<string | Buffer>): Promise<Decoded> {
  const source = new ChunkSource(chunks);
  const decoder = new DataDecoder(source);
  const parts: Buffer[] = [];
  for (let b; (b = await decoder.next()) !== null; ) parts.push(b);
  t.equal(decoder.done, true);
  return {
    message: Buffer.concat(parts).toString('latin1'),
    rest: source.rest(),
    bareLf: decoder.bareLf,
    bareCr: decoder.bareCr,
  };
}

t.test('a plain message: CRLF becomes LF, the end mark is consumed', async (t) => {
  const d = await decode(['Subject: hi\r\n\r\nline1\r\n..dotline\r\n.\r\nQUIT\r\n']);
  t.equal(d.message, 'Subject: hi\n\nline1\n.dotline\n');
  t.equal(d.rest, 'QUIT\r\n', 'pipelined command left for the command reader');
  t.equal(d.bareLf + d.bareCr, 0);
});

t.test('qmail-smtpd blast() cases with CRLF input store the same bytes', async (t) => {
  t.equal((await decode(['a\r\n.\r\n'])).message, 'a\n');
  t.equal((await decode(['a\r\n..b\r\n.\r\n'])).message, 'a\n.b\n');
  t.equal((await decode(['a\r\n.x\r\n.\r\n'])).message, 'a\nx\n', 'any leading dot is removed');
  t.equal((await decode(['.\r\n'])).message, '', 'end mark right after 354 is an empty message');
  const cr = await decode(['a\r.\r\nb\r\n.\r\n']);
  t.equal(cr.message, 'a\r.\nb\n', 'bare CR before a dot is not a line start');
  t.equal(cr.bareCr, 1);
});

t.test('an empty body gives no blocks at all', async (t) => {
  const decoder = new DataDecoder(new ChunkSource(['.\r\n']));
  t.equal(await decoder.next(), null);
  t.equal(decoder.bytesIn, 3);
  t.equal(decoder.bytesOut, 0);
});

t.test('smuggling: no neighbour of CRLF.CRLF ends the message', async (t) => {
  const neighbours = ['\n.\r\n', '\n.\n', '\r\n.\n', '\r.\r', '\r\n.\r', '\r.\r\n', '\n.\r', '\r.\n'];
  for (const fake of neighbours) {
    const smuggled = `body${fake}MAIL FROM:<evil@x>\r\nRCPT TO:<v@y>\r\nDATA\r\n`;
    const d = await decode([smuggled + 'tail\r\n.\r\nQUIT\r\n']);
    t.match(d.message, /MAIL FROM:<evil@x>\nRCPT TO:<v@y>\nDATA\ntail\n$/, JSON.stringify(fake) + ' stays inside');
    t.equal(d.rest, 'QUIT\r\n', JSON.stringify(fake));
    t.ok(d.bareLf + d.bareCr > 0, JSON.stringify(fake) + ' is reported');
  }
});

t.test('bare LF ends a line (normalised) and is counted', async (t) => {
  const d = await decode(['a\nb\n.\r\nc\r\n.\r\n']);
  t.equal(d.message, 'a\nb\n\nc\n', 'the lone dot after a bare LF is dropped, not an end');
  t.equal(d.bareLf, 2);
  const dots = await decode(['x\n..y\r\n.\r\n']);
  t.equal(dots.message, 'x\n.y\n', 'dot-unstuffing applies after a bare LF too');
});

t.test('CR runs: all but a CR before LF are kept', async (t) => {
  const d = await decode(['a\rb\r\nc\r\r\n. \r\n.x\r\n.\r\n']);
  t.equal(d.message, 'a\rb\nc\r\n \nx\n', 'the mailfront S15 example');
  t.equal(d.bareCr, 2);
  const dotcr = await decode(['a\r\n.\r\r\n.\r\n']);
  t.equal(dotcr.message, 'a\n\r\n');
  const dotcrx = await decode(['a\r\n.\rx\r\n.\r\n']);
  t.equal(dotcrx.message, 'a\n\rx\n');
});

t.test('any chunking gives the same message and rest', async (t) => {
  const text = 'From: a\r\n\r\n..x\r\n.\rb\n.\nc\r\r\n\r\n.y\r\n.\r\nRSET\r\n';
  const expected = await decode([text]);
  for (let seed = 1; seed <= 300; seed++) {
    const got = await decode(randomChunks(text, seed, 4));
    if (JSON.stringify(got) !== JSON.stringify(expected)) {
      t.same(got, expected, `seed ${seed}`);
      return;
    }
  }
  t.pass('300 random chunkings agree');
});

t.test('input ending before the end mark is an EofError', async (t) => {
  const decoder = new DataDecoder(new ChunkSource(['partial\r\n']));
  t.equal((await decoder.next())!.toString(), 'partial\n');
  await t.rejects(async () => decoder.next(), EofError);
});

t.test('bytes already buffered are decoded without a promise; the end of input is still a rejection', async (t) => {
  const stream = new Readable({ read() {} });
  stream.push('one\r\n');
  const decoder = new DataDecoder(new ByteInput(stream));
  await new Promise((r) => setImmediate(r));
  const first = decoder.next();
  t.ok(Buffer.isBuffer(first), 'a chunk that is here comes back at once');
  t.equal((first as Buffer).toString(), 'one\n');
  const waiting = decoder.next();
  t.ok(waiting instanceof Promise, 'with nothing buffered the decoder waits');
  stream.push('two\r\n.\r\n');
  t.equal((await waiting)!.toString(), 'two\n');
  t.equal(decoder.next(), null, 'the end mark is known at once');
  const cut = new Readable({ read() {} });
  cut.push('partial\r\n');
  cut.push(null);
  const early = new DataDecoder(new ByteInput(cut));
  await new Promise((r) => setImmediate(r));
  t.equal((await early.next())!.toString(), 'partial\n');
  await new Promise((r) => setImmediate(r));
  const ended = early.next();
  t.ok(ended instanceof Promise, 'input that ended before the mark is a rejected promise, not a throw');
  await t.rejects(ended as Promise<unknown>, EofError);
});

t.test('drain reads to the end mark and no further', async (t) => {
  const source = new ChunkSource(['x\r\n', 'y\r\n.\r\nNOOP\r\n']);
  await new DataDecoder(source).drain();
  t.equal(source.rest(), 'NOOP\r\n');
});

t.test('pull-based: input is read only as fast as blocks are taken', async (t) => {
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  let produced = 0;
  const total = 200;
  const stream = new Readable({
    highWaterMark: 64 * 1024,
    read() {
      if (produced === total) this.push(Buffer.from('\r\n.\r\n'));
      if (produced > total) return void this.push(null);
      produced++;
      this.push(chunk);
    },
  });
  const decoder = new DataDecoder(new ByteInput(stream));
  await decoder.next();
  await new Promise((r) => setTimeout(r, 50));
  t.ok(produced < 10, `only ${produced} of ${total} chunks were produced while the consumer waited`);
  let bytes = 64 * 1024;
  for (let b; (b = await decoder.next()) !== null; ) bytes += b.length;
  t.equal(bytes, 200 * 64 * 1024 + 1, 'the whole message, and the LF of its last line');
});
