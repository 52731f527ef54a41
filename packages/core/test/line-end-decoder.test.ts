import t from 'tap';
import { DataDecoder } from '../src/data-decoder.js';
import { LineEndDecoder } from '../src/line-end-decoder.js';
import { ChunkSource, randomChunks } from './helpers/sources.js';

function decodeAll(chunks: Array<string | Buffer>): { text: string; decoder: LineEndDecoder } {
  const decoder = new LineEndDecoder();
  const parts = chunks.map((c) => decoder.decode(typeof c === 'string' ? Buffer.from(c, 'latin1') : c));
  parts.push(decoder.finish());
  return { text: Buffer.concat(parts).toString('latin1'), decoder };
}

t.test('CR LF becomes LF; bare LF and bare CR are kept and counted', async (t) => {
  const { text, decoder } = decodeAll(['a\r\nb\nc\rd\r\n']);
  t.equal(text, 'a\nb\nc\rd\n');
  t.equal(decoder.bareLf, 1);
  t.equal(decoder.bareCr, 1);
  t.equal(decoder.bytesOut, 8);
  t.ok(decoder.atLineStart);
});

t.test('dots and end marks are plain content: nothing is unstuffed or ends early', async (t) => {
  const { text } = decodeAll(['x\r\n.\r\n..y\r\n.\r\n']);
  t.equal(text, 'x\n.\n..y\n.\n');
});

t.test('a CR LF split across chunks is one line end; a CR held to the end is bare', async (t) => {
  const split = decodeAll(['a\r', '\nb\r', '', 'c\r']);
  t.equal(split.text, 'a\nb\rc\r');
  t.equal(split.decoder.bareCr, 2);
  t.equal(split.decoder.bareLf, 0);
  t.notOk(split.decoder.atLineStart);
  t.same(new LineEndDecoder().finish(), Buffer.alloc(0));
  t.ok(new LineEndDecoder().atLineStart, 'nothing returned yet counts as the start of a line');
});

t.test('every byte value passes unchanged apart from CR LF', async (t) => {
  const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  const { text, decoder } = decodeAll([all, all]);
  // Each copy has one bare CR (13 followed by 14) and one bare LF (10 after 9).
  t.equal(text, Buffer.concat([all, all]).toString('latin1'));
  t.equal(decoder.bareCr, 2);
  t.equal(decoder.bareLf, 2);
});

t.test('the same reading as DATA: any split gives what DataDecoder gives for the dot-free body', async (t) => {
  const body = 'Subject: x\r\n\r\nline\nbare LF\rbare CR\r\r\n\n\r\nend\r\n';
  const data = new DataDecoder(new ChunkSource([body + '.\r\n']));
  const expected: Buffer[] = [];
  for (let b; (b = await data.next()) !== null; ) expected.push(b);
  for (let seed = 1; seed <= 50; seed++) {
    const { text, decoder } = decodeAll(randomChunks(body, seed, 4));
    t.equal(text, Buffer.concat(expected).toString('latin1'), `seed ${seed}`);
    t.equal(decoder.bareLf, data.bareLf);
    t.equal(decoder.bareCr, data.bareCr);
  }
});
