/**
 * The reference for core's DataDecoder: the byte-at-a-time state machine it
 * replaced, kept only so that the fuzz test (data-decoder-fuzz.test.ts)
 * can compare the two on random input. Delete both when the scanner has
 * earned our trust.
 *
 * The SMTP DATA body: dot-unstuffing and the end-of-data mark, as a byte
 * state machine in the manner of qmail-smtpd's blast().
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
 * Decoding is pull-based: next() reads one chunk of input and returns its
 * decoded bytes, so the consumer's pace sets the pace of the reading.
 */
import { EofError, type ByteSource } from '../../src/input.js';

const LF = 0x0a;
const CR = 0x0d;
const DOT = 0x2e;

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

export interface ByteDataDecoderOptions {
  /** Milliseconds to wait for each chunk of input. */
  timeoutMs?: number;
}

export class ByteDataDecoder {
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

  constructor(source: ByteSource, options: ByteDataDecoderOptions = {}) {
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
  async next(): Promise<Buffer | null> {
    while (!this.#done) {
      const chunk = await this.#source.read(this.#timeoutMs);
      if (chunk === null) throw new EofError('connection closed during DATA');
      const block = this.#decode(chunk);
      if (block.length > 0) {
        this.bytesOut += block.length;
        return block;
      }
    }
    return null;
  }

  /** Reads and discards the rest of the message, for a refused message. */
  async drain(): Promise<void> {
    while ((await this.next()) !== null);
  }

  #decode(chunk: Buffer): Buffer {
    // Each input byte yields at most one output byte, plus one for a CR held
    // back from the previous chunk.
    const out = Buffer.allocUnsafe(chunk.length + 1);
    let o = 0;
    let state = this.#state;
    let i = 0;
    for (; i < chunk.length; i++) {
      const b = chunk[i]!;
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
              i++;
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
    if (i < chunk.length) this.#source.unread(chunk.subarray(i));
    this.#state = state;
    return out.subarray(0, o);
  }
}
