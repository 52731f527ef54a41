import t from 'tap';
import { readLine, type Line } from '../src/line-reader.js';
import { ChunkSource, randomChunks } from './helpers/sources.js';

async function allLines(source: ChunkSource, max = 1000): Promise<Line[]> {
  const lines: Line[] = [];
  for (let l; (l = await readLine(source, max)) !== null; ) lines.push(l);
  return lines;
}

const show = (lines: Line[]) => lines.map((l) => [l.bytes.toString('latin1'), l.ending, l.tooLong]);

t.test('CRLF and bare LF both end a line, and say which', async (t) => {
  const lines = await allLines(new ChunkSource(['HELO a\r\nMAIL FROM:<b>\nRCPT TO:<c>\r\n']));
  t.same(show(lines), [
    ['HELO a', 'crlf', false],
    ['MAIL FROM:<b>', 'lf', false],
    ['RCPT TO:<c>', 'crlf', false],
  ]);
});

t.test('only one CR is removed before LF', async (t) => {
  t.same(show(await allLines(new ChunkSource(['NOOP\r\r\n']))), [['NOOP\r', 'crlf', false]]);
});

t.test('a last line without LF keeps all its bytes (mailfront drops one)', async (t) => {
  t.same(show(await allLines(new ChunkSource(['NOOP\r\nQUIT']))), [
    ['NOOP', 'crlf', false],
    ['QUIT', 'eof', false],
  ]);
  t.same(show(await allLines(new ChunkSource(['QUIT\r']))), [['QUIT\r', 'eof', false]]);
});

t.test('null at end of input, empty lines are lines', async (t) => {
  t.same(show(await allLines(new ChunkSource(['\r\n\n']))), [
    ['', 'crlf', false],
    ['', 'lf', false],
  ]);
  t.equal(await readLine(new ChunkSource([]), 10), null);
  t.equal(await readLine(new ChunkSource([Buffer.alloc(0)]), 10), null);
});

t.test('CRLF split between chunks is still CRLF', async (t) => {
  t.same(show(await allLines(new ChunkSource(['EHLO x\r', '\nQUIT\r\n']))), [
    ['EHLO x', 'crlf', false],
    ['QUIT', 'crlf', false],
  ]);
  t.same(show(await allLines(new ChunkSource(['EHLO x', '\r', '\n']))), [['EHLO x', 'crlf', false]]);
  t.same(show(await allLines(new ChunkSource(['\r', '\n']))), [['', 'crlf', false]]);
});

t.test('pipelined lines are returned one at a time; the rest stays in the source', async (t) => {
  const source = new ChunkSource(['MAIL FROM:<a>\r\nRCPT TO:<b>\r\nDATA\r\nSubject: x\r\n']);
  t.equal((await readLine(source, 100))!.bytes.toString(), 'MAIL FROM:<a>');
  t.equal((await readLine(source, 100))!.bytes.toString(), 'RCPT TO:<b>');
  t.equal((await readLine(source, 100))!.bytes.toString(), 'DATA');
  t.equal(source.rest(), 'Subject: x\r\n', 'message bytes left for the DATA decoder');
});

t.test('a line over the cap is truncated and its rest skipped', async (t) => {
  const long = 'X'.repeat(50);
  const lines = await allLines(new ChunkSource([long.slice(0, 20), long.slice(20) + '\r\nNOOP\r\n']), 10);
  t.same(show(lines), [
    ['X'.repeat(10), 'crlf', true],
    ['NOOP', 'crlf', false],
  ]);
});

t.test('the cap counts the line without its CRLF', async (t) => {
  t.same(show(await allLines(new ChunkSource(['12345\r\n']), 5)), [['12345', 'crlf', false]]);
  t.same(show(await allLines(new ChunkSource(['12345\r', '\n']), 5)), [['12345', 'crlf', false]]);
  t.same(show(await allLines(new ChunkSource(['123456\n']), 5)), [['12345', 'lf', true]]);
  t.same(show(await allLines(new ChunkSource(['123456\r\n']), 5)), [['12345', 'crlf', true]]);
  t.same(show(await allLines(new ChunkSource(['1234567']), 5)), [['12345', 'eof', true]]);
  t.same(show(await allLines(new ChunkSource(['123', '456', '789\n']), 5)), [['12345', 'lf', true]]);
});

t.test('any chunking gives the same lines', async (t) => {
  const text = 'EHLO a.example\r\nMAIL FROM:<x@y>\nRCPT TO:<z@w>\r\r\n\r\n' + 'A'.repeat(40) + '\r\nQUIT';
  const expected = show(await allLines(new ChunkSource([text]), 30));
  for (let seed = 1; seed <= 200; seed++) {
    const got = show(await allLines(new ChunkSource(randomChunks(text, seed)), 30));
    if (JSON.stringify(got) !== JSON.stringify(expected)) {
      t.same(got, expected, `seed ${seed}`);
      return;
    }
  }
  t.pass('200 random chunkings agree');
});
