/**
 * The message body of a QMTP or QMQP package, streamed to the engine's data
 * hooks as it arrives: never held whole in memory, and read only as fast as
 * the backend takes it.
 *
 * QMTP's CRLF encoding (a first byte of CR) is turned into LF lines here, as
 * qmail-qmtpd does: CR LF becomes LF, any other CR stays a byte. A CR at the
 * end of one block waits for the first byte of the next.
 */
import type { LimitedSource } from '@mailfront/core';
import { INTERNAL_ERROR } from '../../engine/response.js';
import { ProtocolDie, type NetstringLink } from './link.js';

const CR = 0x0d;
const LF = 0x0a;

/** CR LF → LF across block boundaries; a lone CR is kept. */
export class CrlfToLf {
  #heldCr = false;

  push(block: Buffer): Buffer {
    if (block.length === 0) return block;
    const out = Buffer.allocUnsafe(block.length + 1);
    let n = 0;
    let i = 0;
    if (this.#heldCr) {
      this.#heldCr = false;
      if (block[0] !== LF) out[n++] = CR;
    }
    for (; i < block.length; i++) {
      const b = block[i]!;
      if (b === CR) {
        if (i + 1 === block.length) {
          this.#heldCr = true;
          continue;
        }
        if (block[i + 1] === LF) continue;
      }
      out[n++] = b;
    }
    return out.subarray(0, n);
  }

  /** What is still held at the end of the body: a last lone CR. */
  end(): Buffer {
    const tail = this.#heldCr ? Buffer.from([CR]) : Buffer.alloc(0);
    this.#heldCr = false;
    return tail;
  }
}

export interface BodyOptions {
  /** Whether the engine takes the data (false after a failed reset or data start: read and drop). */
  deliver: boolean;
  /** The CRLF decoder for QMTP's CRLF encoding. */
  crlf?: CrlfToLf;
  /** The die text when the input ends inside the body. */
  eofText: string;
  /** The enclosing frame (QMQP's wrapper), whose end inside the body is its own die. */
  frame?: { source: LimitedSource; exhausted: string };
}

/** Gives one block to the data hooks; a plugin that throws fails the message, not the session. */
async function deliverBlock(link: NetstringLink, bytes: Buffer): Promise<void> {
  if (bytes.length === 0) return;
  try {
    await link.engine.data.block(bytes);
  } catch (e) {
    link.log.warn(`internal error: ${(e as Error).message}`);
    await link.safely(async () => {
      await link.engine.data.abort(INTERNAL_ERROR);
      return undefined;
    });
  }
}

/** Reads the body through its window to the last byte, passing it on block by block. */
export async function streamBody(link: NetstringLink, body: LimitedSource, options: BodyOptions): Promise<void> {
  const texts = { eof: options.eofText, format: options.eofText, tooLong: options.eofText };
  for (let chunk; (chunk = await link.guard((t) => body.read(t), texts)) !== null; ) {
    if (options.deliver) await deliverBlock(link, options.crlf ? options.crlf.push(chunk) : chunk);
  }
  if (body.remaining > 0) {
    const frame = options.frame;
    throw new ProtocolDie(frame && frame.source.remaining === 0 ? frame.exhausted : options.eofText);
  }
  if (options.deliver && options.crlf) await deliverBlock(link, options.crlf.end());
}
