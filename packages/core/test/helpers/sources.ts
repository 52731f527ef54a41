/** Test sources that deliver input in chunks of our choosing. */
import type { ByteSource } from '../../src/input.js';

/** A ByteSource that returns exactly the given chunks, then end of input. */
export class ChunkSource implements ByteSource {
  #chunks: Buffer[];
  reads = 0;
  constructor(chunks: Array<string | Buffer>) {
    this.#chunks = chunks.map((c) => (typeof c === 'string' ? Buffer.from(c, 'latin1') : c));
  }
  async read(): Promise<Buffer | null> {
    return this.take();
  }
  protected take(): Buffer | null {
    this.reads++;
    return this.#chunks.shift() ?? null;
  }
  unread(bytes: Buffer): void {
    if (bytes.length > 0) this.#chunks.unshift(bytes);
  }
  /** Everything not consumed yet, as a latin1 string. */
  rest(): string {
    return Buffer.concat(this.#chunks).toString('latin1');
  }
}

/**
 * A ChunkSource whose chunks are also there at once (readNow), as in a
 * ByteInput whose stream has buffered them, except a seeded random share of
 * them, for which readNow says a read would wait: both paths of a reader.
 */
export class PromptSource extends ChunkSource {
  #next: () => number;
  constructor(chunks: Array<string | Buffer>, seed: number) {
    super(chunks);
    this.#next = seededRandom(seed);
  }
  readNow(): Buffer | null | undefined {
    return this.#next() < 0.3 ? undefined : this.take();
  }
}

/** A seeded random number generator (xorshift32) giving [0, 1): a failure names its seed and repeats. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x100000000;
  };
}

/** Cuts a string into pieces at random places (seeded, so failures repeat). */
export function randomChunks(text: string | Buffer, seed: number, maxPiece = 7): Buffer[] {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'latin1') : text;
  const next = seededRandom(seed);
  const pieces: Buffer[] = [];
  for (let i = 0; i < bytes.length; ) {
    const n = 1 + Math.floor(next() * maxPiece);
    pieces.push(bytes.subarray(i, i + n));
    i += n;
  }
  return pieces;
}

