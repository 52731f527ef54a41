/**
 * Command lines: the bytes up to LF, from any ByteSource.
 *
 * Both CRLF and a bare LF end a line (SMTP commands and POP3 commands from
 * real clients use both); the result says which one it was, so that a policy
 * can refuse bare LF in commands too. A line cut off by the end of input is
 * returned whole (mailfront 2.12 drops its last byte, turning QUIT into QUI).
 * A line longer than the cap is truncated and the rest of it, up to its LF,
 * is read and thrown away, so memory stays bounded whatever the peer sends.
 */
import type { ByteSource } from './input.js';

const LF = 0x0a;
const CR = 0x0d;

export type LineEnding = 'crlf' | 'lf' | 'eof';

export interface Line {
  /** The line without its CRLF or LF; at most maxLength bytes. */
  bytes: Buffer;
  ending: LineEnding;
  /** The peer sent more than maxLength bytes; `bytes` holds only the start. */
  tooLong: boolean;
}

/**
 * One line at a time from chunks fed to it, keeping what it has of a line
 * between chunks: the reading of readLine as a value that a protocol can
 * hold across its waits for the peer. take() is given the next chunk (null:
 * the end of input) and returns the line once it is complete, null at the
 * end of input when no byte of a new line came, and undefined while it
 * needs more; the bytes after a line's LF go back to the source with
 * unread(). Nothing is held once a line is returned.
 */
export class LineReader {
  #parts: Buffer[] = [];
  #kept = 0;
  #tooLong = false;
  #sawAnything = false;
  // The previous part ended in CR, which belongs to a CRLF if LF comes next.
  #lastWasCr = false;

  constructor(readonly maxLength: number) {}

  take(chunk: Buffer | null, source: Pick<ByteSource, 'unread'>): Line | null | undefined {
    if (chunk === null) {
      if (!this.#sawAnything) return null;
      return this.#finish(false, 'eof');
    }
    if (chunk.length === 0) return undefined;
    this.#sawAnything = true;
    const lf = chunk.indexOf(LF);
    const body = lf === -1 ? chunk : chunk.subarray(0, lf);
    if (lf !== -1) source.unread(chunk.subarray(lf + 1));
    const crlf = lf !== -1 && (lf > 0 ? chunk[lf - 1] === CR : this.#lastWasCr);
    if (body.length > 0) this.#lastWasCr = body[body.length - 1] === CR;
    // Keep at most maxLength + 1 bytes: the extra one may be the CR of CRLF.
    const room = this.maxLength + 1 - this.#kept;
    if (room > 0) {
      const piece = body.length > room ? body.subarray(0, room) : body;
      this.#parts.push(piece);
      this.#kept += piece.length;
    }
    if (body.length > room) this.#tooLong = true;
    if (lf !== -1) return this.#finish(crlf, crlf ? 'crlf' : 'lf');
    return undefined;
  }

  #finish(dropCr: boolean, ending: LineEnding): Line {
    const { maxLength } = this;
    const parts = this.#parts;
    // One part is the common case (a whole line in one packet): no copy.
    let bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts, this.#kept);
    const tooLong = this.#tooLong;
    this.#parts = [];
    this.#kept = 0;
    this.#tooLong = false;
    this.#sawAnything = false;
    this.#lastWasCr = false;
    if (dropCr) bytes = bytes.subarray(0, bytes.length - 1);
    if (bytes.length > maxLength) return { bytes: bytes.subarray(0, maxLength), ending, tooLong: true };
    return { bytes, ending, tooLong };
  }
}

/**
 * Reads one line. Returns null at end of input when no byte of a new line
 * was received. Throws TimeoutError when input stops for timeoutMs.
 */
export async function readLine(source: ByteSource, maxLength: number, timeoutMs?: number): Promise<Line | null> {
  const reader = new LineReader(maxLength);
  for (;;) {
    const line = reader.take(await source.read(timeoutMs), source);
    if (line !== undefined) return line;
  }
}
