// The DataDecoder (a line scanner) against the byte-at-a-time state machine
// it replaced (test/helpers/byte-data-decoder.ts), on random input cut into
// random chunks: the same blocks, the same bare CR/LF counts after every
// block (the newline policy acts on them block by block), the same bytes
// in and out, the same rest left for the command reader, the same end of
// input. Delete this test with the old decoder.
import t from 'tap';
import { DataDecoder } from '../src/data-decoder.js';
import { EofError } from '../src/input.js';
import { ByteDataDecoder } from './helpers/byte-data-decoder.js';
import { ChunkSource, PromptSource, randomChunks, seededRandom } from './helpers/sources.js';

// 20,000 cases take about 8 s on an idle 2-core machine and over 30 s (tap's
// limit per file) when the whole suite loads it: a count of cases, not a
// clock, is what this test is about.
t.setTimeout(180_000);

/** Bytes that matter (CR, LF, dot) often, in runs and in the neighbours of the end mark. */
const PIECES = ['\r', '\n', '.', '\r\n', '\r\n.', '.\r\n', '\r\n.\r\n', '\n.\n', '\r.\r', '..', 'a', 'bc', ' ', 'x\x00y', '\xff'];

function randomInput(next: () => number): Buffer {
  const parts: string[] = [];
  const count = Math.floor(next() * 60);
  for (let i = 0; i < count; i++) {
    parts.push(next() < 0.15 ? 'line of text '.repeat(1 + Math.floor(next() * 20)) : PIECES[Math.floor(next() * PIECES.length)]!);
  }
  // Most messages end properly, some with commands after the end; some never end.
  const ending = next();
  if (ending < 0.7) parts.push('\r\n.\r\n');
  if (ending < 0.4) parts.push('QUIT\r\n');
  return Buffer.from(parts.join(''), 'latin1');
}

interface Decoder {
  next(): Buffer | null | Promise<Buffer | null>;
  readonly done: boolean;
  bareLf: number;
  bareCr: number;
  bytesIn: number;
  bytesOut: number;
}

async function trace(decoder: Decoder, source: ChunkSource): Promise<string> {
  const steps: string[] = [];
  try {
    for (let block; (block = await decoder.next()) !== null; ) {
      steps.push(`${JSON.stringify(block.toString('latin1'))} lf=${decoder.bareLf} cr=${decoder.bareCr}`);
    }
    steps.push('end');
  } catch (e) {
    if (!(e instanceof EofError)) throw e;
    steps.push(`eof: ${e.message}`);
  }
  steps.push(`done=${decoder.done} in=${decoder.bytesIn} out=${decoder.bytesOut} lf=${decoder.bareLf} cr=${decoder.bareCr} rest=${JSON.stringify(source.rest())}`);
  return steps.join('\n');
}

t.test('the scanner and the byte machine agree on random input and random chunking', async (t) => {
  const CASES = 20_000;
  let ended = 0;
  for (let seed = 1; seed <= CASES; seed++) {
    const next = seededRandom(seed);
    const input = randomInput(next);
    const chunks = next() < 0.1 ? [input] : randomChunks(input, seed, 1 + Math.floor(next() * 40));
    // The scanner also reads what is there at once without a promise (readNow); the byte machine only awaits.
    const sourceA = new PromptSource(chunks, seed);
    const a = await trace(new DataDecoder(sourceA), sourceA);
    const sourceB = new ChunkSource(chunks);
    const b = await trace(new ByteDataDecoder(sourceB), sourceB);
    if (a !== b) {
      t.equal(a, b, `seed ${seed}: input ${JSON.stringify(input.toString('latin1'))}`);
      return;
    }
    if (a.includes('\nend\n')) ended++;
  }
  t.pass(`${CASES} inputs agree (${ended} reached the end mark)`);
  t.ok(ended > CASES / 2 && ended < CASES, 'both ends of input are exercised');
});

t.test('the scanner and the byte machine agree on large messages cut like TCP', async (t) => {
  for (let seed = 1; seed <= 50; seed++) {
    const next = seededRandom(seed * 7919);
    const lines: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const r = next();
      lines.push(r < 0.02 ? '.' : r < 0.04 ? '..dot' : r < 0.05 ? 'bare\rcr' : 'x'.repeat(Math.floor(next() * 120)));
    }
    const eol = next() < 0.2 ? '\n' : '\r\n';
    const input = Buffer.from(lines.join(eol) + '\r\n.\r\nQUIT\r\n', 'latin1');
    const cut: Buffer[] = [];
    let at = 0;
    while (at < input.length) {
      const n = 1 + Math.floor(next() * 65536);
      cut.push(input.subarray(at, at + n));
      at += n;
    }
    const sourceA = new ChunkSource(cut);
    const sourceB = new ChunkSource(cut);
    const a = await trace(new DataDecoder(sourceA), sourceA);
    const b = await trace(new ByteDataDecoder(sourceB), sourceB);
    if (a !== b) {
      t.equal(a, b, `seed ${seed}`);
      return;
    }
  }
  t.pass('50 large messages agree');
});
