/**
 * The line ends of a message sent without dot-stuffing and without an end
 * mark (SMTP BDAT chunks, RFC 3030): CR LF becomes LF, the form of the
 * qmail queue and of the data hooks, exactly as DataDecoder reads DATA.
 * A bare LF also ends a line and a bare CR is kept as an ordinary byte; both
 * are counted with the same meaning as DataDecoder's counts, so that one
 * bare-newline policy serves DATA and BDAT alike.
 *
 * The decoder is push-based: the caller hands it the bytes of each chunk as
 * they arrive. A CR at the end of one chunk is held back until the next one
 * shows whether LF follows, so line ends may fall across chunk boundaries.
 */

const LF = 0x0a;
const CR = 0x0d;

export class LineEndDecoder {
  /** LF bytes not preceded by CR. */
  bareLf = 0;
  /** CR bytes not followed by LF. */
  bareCr = 0;
  /** Decoded bytes returned so far. */
  bytesOut = 0;
  #heldCr = false;
  /** The last byte returned, or -1 before any. */
  #last = -1;

  /** True when the bytes returned so far end with a line end (or nothing was returned). */
  get atLineStart(): boolean {
    return this.#last === -1 || this.#last === LF;
  }

  /** The decoded form of the next bytes of the message. */
  decode(chunk: Buffer): Buffer {
    if (chunk.length === 0) return chunk;
    const out = Buffer.allocUnsafe(chunk.length + 1);
    let o = 0;
    let i = 0;
    if (this.#heldCr) {
      this.#heldCr = false;
      if (chunk[0] === LF) {
        out[o++] = LF;
        i = 1;
      } else {
        this.bareCr++;
        out[o++] = CR;
      }
    }
    while (i < chunk.length) {
      const cr = chunk.indexOf(CR, i);
      const end = cr === -1 ? chunk.length : cr;
      o += this.#copy(chunk, i, end, out, o);
      if (cr === -1) break;
      if (cr + 1 === chunk.length) {
        this.#heldCr = true;
        break;
      }
      if (chunk[cr + 1] === LF) {
        out[o++] = LF;
        i = cr + 2;
      } else {
        this.bareCr++;
        out[o++] = CR;
        i = cr + 1;
      }
    }
    return this.#emit(out.subarray(0, o));
  }

  /** The end of the message: a CR still held back was a bare CR. */
  finish(): Buffer {
    if (!this.#heldCr) return Buffer.alloc(0);
    this.#heldCr = false;
    this.bareCr++;
    return this.#emit(Buffer.from([CR]));
  }

  /** Copies chunk[from, to) (which holds no CR) and counts its LFs, all of them bare. */
  #copy(chunk: Buffer, from: number, to: number, out: Buffer, at: number): number {
    for (let lf = chunk.indexOf(LF, from); lf !== -1 && lf < to; lf = chunk.indexOf(LF, lf + 1)) this.bareLf++;
    return chunk.copy(out, at, from, to);
  }

  #emit(bytes: Buffer): Buffer {
    if (bytes.length > 0) {
      this.bytesOut += bytes.length;
      this.#last = bytes[bytes.length - 1]!;
    }
    return bytes;
  }
}
