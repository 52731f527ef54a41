/**
 * The SMTP DATA body: dot-unstuffing and the end-of-data mark.
 *
 * Only the exact five bytes CR LF . CR LF end the message, the start of DATA
 * counting as "after CR LF" (so `.` CR LF right after 354 is an empty
 * message). Every neighbour that other servers have accepted (LF . CR LF,
 * CR LF . LF, LF . LF, CR . CR, …) is message content, never an end: this is
 * what closes SMTP smuggling, whatever the policy for bare newlines.
 *
 * Output uses LF line ends, the form of the qmail queue and of mailfront's
 * data hooks. CR LF becomes LF; a bare LF also ends a line (the normalising
 * reading, as Postfix does); a bare CR is kept as an ordinary byte (as qmail
 * and mailfront keep it). Both are counted, so that the protocol can refuse
 * the message instead when its policy says so. A leading dot is removed from
 * every line, so a lone dot line that does not end the message is stored as
 * an empty line.
 *
 * How: a line scanner. Every rule lives where a line ends or starts, so
 * those bytes go through a small state machine in the manner of
 * qmail-smtpd's blast(), one at a time; the bytes in between (all of a
 * line but its first byte and its end) are found with Buffer.indexOf and
 * copied as one block. The positions of the next CR and LF are kept until
 * passed, so each chunk is searched once. Byte for byte this is the state
 * machine it replaced (test/helpers/byte-data-decoder.ts, which the fuzz
 * test compares it with), at a fraction of the CPU for a large message.
 *
 * Decoding is pull-based: next() reads one chunk of input and returns its
 * decoded bytes, so the consumer's pace sets the pace of the reading.
 */
import { EofError, type ByteSource } from './input.js';

const LF = 0x0a;
const CR = 0x0d;
const DOT = 0x2e;
const EOF_IN_DATA = 'connection closed during DATA';

const enum State {
  /** At the start of a line that followed CR LF, or at the start of DATA. */
  AfterCrlf,
  /** At the start of a line that followed a bare LF. */
  AfterLf,
  /** Inside a line. */
  Text,
  /** A CR was read and is held back until we know whether LF follows. */
  Cr,
  /** CR LF then a dot: the dot was removed; the end mark may follow. */
  Dot,
  /** CR LF, dot, CR: one LF from the end of the message. */
  DotCr,
}

export interface DataDecoderOptions {
  /** Milliseconds to wait for each chunk of input. */
  timeoutMs?: number;
}

export class DataDecoder {
  #source: ByteSource;
  #timeoutMs: number | undefined;
  #state = State.AfterCrlf;
  #done = false;
  /** LF bytes not preceded by CR. */
  bareLf = 0;
  /** CR bytes not followed by LF. */
  bareCr = 0;
  /** Raw bytes consumed from the source, end mark included. */
  bytesIn = 0;
  /** Decoded bytes returned so far. */
  bytesOut = 0;

  constructor(source: ByteSource, options: DataDecoderOptions = {}) {
    this.#source = source;
    this.#timeoutMs = options.timeoutMs;
  }

  /** True once the end mark has been read. */
  get done(): boolean {
    return this.#done;
  }

  /**
   * The next block of message bytes, or null once the end mark has been
   * consumed. Input after the end mark is left in the source for the
   * command reader. Throws EofError if input ends first.
   */
  next(): Buffer | null | Promise<Buffer | null> {
    // Without a promise while the bytes are already here (a message that
    // came with its DATA command, or in one packet).
    const source = this.#source;
    while (!this.#done) {
      const chunk = source.readNow?.();
      if (chunk === undefined) return this.#nextAfterWait();
      if (chunk === null) return Promise.reject(new EofError(EOF_IN_DATA));
      const block = this.#take(chunk);
      if (block !== undefined) return block;
    }
    return null;
  }

  async #nextAfterWait(): Promise<Buffer | null> {
    while (!this.#done) {
      const chunk = await this.#source.read(this.#timeoutMs);
      if (chunk === null) throw new EofError(EOF_IN_DATA);
      const block = this.#take(chunk);
      if (block !== undefined) return block;
    }
    return null;
  }

  /** The decoded bytes of one chunk, if it had any. */
  #take(chunk: Buffer): Buffer | undefined {
    const block = this.#decode(chunk);
    if (block.length === 0) return undefined;
    this.bytesOut += block.length;
    return block;
  }

  /** Reads and discards the rest of the message, for a refused message. */
  async drain(): Promise<void> {
    while ((await this.next()) !== null);
  }

  #decode(chunk: Buffer): Buffer {
    const end = chunk.length;
    // Each input byte yields at most one output byte, plus one for a CR held
    // back from the previous chunk.
    const out = Buffer.allocUnsafe(end + 1);
    // The same bytes as a one-byte string, only to search: String#indexOf is
    // a builtin the JIT calls cheaply, Buffer#indexOf a trip into C++.
    const text = chunk.toString('latin1');
    let o = 0;
    let state = this.#state;
    let i = 0;
    // The next CR and LF at or after i (`end` when there is none); -1 until looked for.
    let nextCr = -1;
    let nextLf = -1;
    while (i < end) {
      if (state === State.Text) {
        // Inside a line nothing happens until the next CR or LF: copy up to it.
        if (nextCr < i) nextCr = positionOf(text, '\r', i, end);
        if (nextLf < i) nextLf = positionOf(text, '\n', i, end);
        const stop = nextCr < nextLf ? nextCr : nextLf;
        if (stop > i) {
          o = copyInto(out, o, chunk, i, stop);
          i = stop;
          if (i === end) break;
        }
        // The usual line end, CR LF, and an ordinary first byte of the next
        // line, without a round through the state machine.
        if (nextCr === i && nextLf === i + 1 && nextLf < end) {
          out[o++] = LF;
          i += 2;
          const first = i < end ? chunk[i]! : DOT;
          if (first !== DOT && first !== CR && first !== LF) continue;
          state = State.AfterCrlf;
          continue;
        }
      }
      const b = chunk[i++]!;
      switch (state) {
        case State.AfterCrlf:
        case State.AfterLf:
          if (b === DOT) {
            state = state === State.AfterCrlf ? State.Dot : State.Text;
            continue;
          }
          break;
        case State.Dot:
          if (b === CR) {
            state = State.DotCr;
            continue;
          }
          break;
        case State.DotCr:
        case State.Cr:
          if (b === LF) {
            if (state === State.DotCr) {
              this.#done = true;
              break;
            }
            out[o++] = LF;
            state = State.AfterCrlf;
            continue;
          }
          this.bareCr++;
          out[o++] = CR;
          state = State.Text;
          break;
        case State.Text:
          break;
      }
      if (this.#done) break;
      // Ordinary handling of a byte inside a line (or starting one).
      if (b === CR) {
        state = State.Cr;
      } else if (b === LF) {
        this.bareLf++;
        out[o++] = LF;
        state = State.AfterLf;
      } else {
        out[o++] = b;
        state = State.Text;
      }
    }
    this.bytesIn += i;
    if (i < end) this.#source.unread(chunk.subarray(i));
    this.#state = state;
    return out.subarray(0, o);
  }
}

/** Where `char` is next, at or after `from`; `end` when nowhere. */
function positionOf(text: string, char: string, from: number, end: number): number {
  const at = text.indexOf(char, from);
  return at === -1 ? end : at;
}

/** Copies chunk[from, to) to out at o; short runs byte by byte, which beats a call into C++. */
function copyInto(out: Buffer, o: number, chunk: Buffer, from: number, to: number): number {
  if (to - from < 32) {
    for (let k = from; k < to; k++) out[o++] = chunk[k]!;
    return o;
  }
  out.set(chunk.subarray(from, to), o);
  return o + (to - from);
}
