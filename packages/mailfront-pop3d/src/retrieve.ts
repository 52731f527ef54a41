/**
 * RETR and TOP: a message file streamed to the client in blocks, LF turned
 * into CRLF and a leading `.` doubled (RFC 1939 byte-stuffing), ending
 * with `.` on a line of its own. A message is never held in memory whole.
 *
 * Unlike pop3front-maildir, no empty line is added at the end: a message
 * that ends in LF ends in CRLF, one that does not gets a CRLF, then `.`.
 * A CR LF already in the file stays one CR LF.
 */
import { open, type FileHandle } from 'node:fs/promises';

const BLOCK = 64 * 1024;
const LF = 0x0a;
const CR = 0x0d;
const DOT = 0x2e;

export interface Sink {
  write(bytes: Buffer): Promise<void>;
}

/**
 * The message cannot be sent: it cannot be opened, is not a regular file (a
 * directory left in cur/ or new/), or its first block cannot be read.
 * Nothing has been written to the client then.
 */
export class UnreadableMessage extends Error {
  override name = 'UnreadableMessage';
}

/**
 * Sends the message at `path`; `bodyLines` undefined sends all of it, a
 * number sends the header, the empty line and that many body lines.
 * Throws UnreadableMessage before anything is written if the file cannot
 * be opened or read; the sink's own errors (a client that stopped reading)
 * pass through.
 */
export async function sendMessage(path: string, sink: Sink, bodyLines?: number): Promise<void> {
  const block = Buffer.alloc(BLOCK);
  let file: FileHandle;
  let bytesRead: number;
  try {
    file = await open(path, 'r');
  } catch (e) {
    throw new UnreadableMessage((e as Error).message);
  }
  try {
    try {
      if (!(await file.stat()).isFile()) throw new Error(`${path} is not a regular file`);
      ({ bytesRead } = await file.read(block, 0, BLOCK, null));
    } catch (e) {
      throw new UnreadableMessage((e as Error).message);
    }
    await sink.write(Buffer.from('+OK \r\n'));
    const encoder = new Encoder(bodyLines);
    while (bytesRead > 0) {
      const out = encoder.encode(block.subarray(0, bytesRead));
      if (out.length > 0) await sink.write(out);
      if (encoder.done) break;
      ({ bytesRead } = await file.read(block, 0, BLOCK, null));
    }
    await sink.write(encoder.end());
  } finally {
    await file.close();
  }
}

/** The stuffing and line-ending state carried from one block to the next. */
class Encoder {
  #atLineStart = true;
  #lastWasCr = false;
  /** In the header until the first empty line. */
  #inHeader = true;
  #bodyLeft: number | undefined;
  #lineIsEmpty = true;
  done = false;

  constructor(bodyLines: number | undefined) {
    this.#bodyLeft = bodyLines;
  }

  encode(input: Buffer): Buffer {
    const out = Buffer.alloc(input.length * 2 + 2);
    let n = 0;
    for (let i = 0; i < input.length; i++) {
      const byte = input[i]!;
      if (this.#atLineStart) {
        if (this.#bodyLeft !== undefined && !this.#inHeader && this.#bodyLeft-- === 0) {
          this.done = true;
          break;
        }
        if (byte === DOT) out[n++] = DOT;
        this.#atLineStart = false;
        this.#lineIsEmpty = true;
      }
      if (byte === LF) {
        if (!this.#lastWasCr) out[n++] = CR;
        out[n++] = LF;
        if (this.#lineIsEmpty) this.#inHeader = false;
        this.#atLineStart = true;
        this.#lastWasCr = false;
        continue;
      }
      out[n++] = byte;
      if (byte !== CR) this.#lineIsEmpty = false;
      this.#lastWasCr = byte === CR;
    }
    return out.subarray(0, n);
  }

  /** The end of a cut-off last line, then the end mark. */
  end(): Buffer {
    return Buffer.from(this.#atLineStart ? '.\r\n' : '\r\n.\r\n');
  }
}
