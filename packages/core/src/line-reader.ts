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
 * Reads one line. Returns null at end of input when no byte of a new line
 * was received. Throws TimeoutError when input stops for timeoutMs.
 */
export async function readLine(source: ByteSource, maxLength: number, timeoutMs?: number): Promise<Line | null> {
  const parts: Buffer[] = [];
  let kept = 0;
  let tooLong = false;
  let sawAnything = false;
  // The previous part ended in CR, which belongs to a CRLF if LF comes next.
  let lastWasCr = false;
  for (;;) {
    const chunk = await source.read(timeoutMs);
    if (chunk === null) {
      if (!sawAnything) return null;
      return finish(parts, kept, false, 'eof', tooLong, maxLength);
    }
    if (chunk.length === 0) continue;
    sawAnything = true;
    const lf = chunk.indexOf(LF);
    const body = lf === -1 ? chunk : chunk.subarray(0, lf);
    if (lf !== -1) source.unread(chunk.subarray(lf + 1));
    const crlf = lf !== -1 && (lf > 0 ? chunk[lf - 1] === CR : lastWasCr);
    if (body.length > 0) lastWasCr = body[body.length - 1] === CR;
    // Keep at most maxLength + 1 bytes: the extra one may be the CR of CRLF.
    const room = maxLength + 1 - kept;
    if (room > 0) {
      const piece = body.length > room ? body.subarray(0, room) : body;
      parts.push(piece);
      kept += piece.length;
    }
    if (body.length > room) tooLong = true;
    if (lf !== -1) return finish(parts, kept, crlf, crlf ? 'crlf' : 'lf', tooLong, maxLength);
  }
}

function finish(
  parts: Buffer[],
  kept: number,
  dropCr: boolean,
  ending: LineEnding,
  tooLong: boolean,
  maxLength: number,
): Line {
  // One part is the common case (a whole line in one packet): no copy.
  let bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts, kept);
  if (dropCr) bytes = bytes.subarray(0, bytes.length - 1);
  if (bytes.length > maxLength) return { bytes: bytes.subarray(0, maxLength), ending, tooLong: true };
  return { bytes, ending, tooLong };
}
