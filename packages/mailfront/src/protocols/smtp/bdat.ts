/**
 * BDAT (CHUNKING, RFC 3030): the message in chunks of a declared size, sent
 * without dot-stuffing and without an end mark.
 *
 * The chunks go through the same hooks as a DATA body (dataStart at the
 * first chunk, dataBlock for every decoded block, messageEnd at LAST), so
 * DATABYTES, SIZE, patterns and every other plugin apply unchanged. Line
 * ends are decoded by core's LineEndDecoder, which reads CR LF, bare LF and
 * bare CR exactly as DATA's decoder does, under the same bare-newline
 * policy (newline-policy.ts); a CR LF may fall across two chunks. A last
 * line without a line end gets one, as every message that comes through
 * DATA has one.
 *
 * Every chunk's bytes are read, whatever the answer, so the client stays in
 * step (RFC 3030 §2): a chunk out of sequence is dropped and answered 503,
 * and once a chunk has failed the later ones of the same message are dropped
 * and answered with the same error until LAST or RSET. Only two things end
 * the session instead, because the bytes after them cannot be told from
 * commands: a BDAT line that cannot be parsed, and a chunk over
 * SMTP_MAX_CHUNK, which is refused before any of it is read.
 */
import { EofError, LimitedSource, LineEndDecoder } from '@mailfront/core';
import { ACCEPTED_MESSAGE, isErrorResponse, toReply } from '../../engine/response.js';
import { connectionLost, passBlock } from './data.js';
import { enforceNewlinePolicy, reportBareNewlines } from './newline-policy.js';
import { BDAT_SYNTAX, chunkAccepted, chunkTooLarge, MAIL_FIRST, RCPT_FIRST } from './replies.js';
import { CONTINUE, type Next, type SmtpContext } from './state.js';

export interface BdatCommand {
  /** Declared chunk size in bytes (Infinity when it has too many digits to be real). */
  size: number;
  last: boolean;
}

/** `BDAT chunk-size [LAST]`: digits, then optionally LAST (any case); anything else is a syntax error. */
export function parseBdat(argument: string): BdatCommand | undefined {
  const match = /^([0-9]+)(?: +(LAST))? *$/i.exec(argument);
  if (!match) return undefined;
  const digits = match[1]!.replace(/^0+(?=.)/, '');
  return { size: digits.length > 15 ? Infinity : Number(digits), last: match[2] !== undefined };
}

export async function bdat(c: SmtpContext, argument: string): Promise<Next> {
  const command = parseBdat(argument);
  if (!command) {
    c.reply(BDAT_SYNTAX);
    return { exit: 1 };
  }
  if (command.size > c.config.maxChunk) {
    c.reply(chunkTooLarge(c.config.maxChunk));
    return { exit: 1 };
  }
  const t = c.transaction;
  const outOfSequence = !t.sawMail ? MAIL_FIRST : !t.sawRcpt ? RCPT_FIRST : undefined;
  if (outOfSequence) {
    try {
      await readChunk(c, command.size, () => undefined);
    } catch (e) {
      return connectionLost(c, e);
    }
    c.reply(outOfSequence);
    return CONTINUE;
  }
  if (!t.chunking) {
    t.chunking = true;
    t.lineEnds = new LineEndDecoder();
    const started = await c.engine.data.start();
    if (isErrorResponse(started)) t.chunkFailure = started;
  }
  const decoder = t.lineEnds!;
  try {
    await readChunk(c, command.size, async (bytes) => {
      if (t.chunkFailure) return;
      const block = decoder.decode(bytes);
      if (block.length === 0) return;
      await enforceNewlinePolicy(c, decoder);
      await passBlock(c, block);
    });
  } catch (e) {
    return connectionLost(c, e);
  }
  t.chunkFailure ??= c.engine.data.failure;
  if (!command.last) {
    c.reply(t.chunkFailure ? toReply(t.chunkFailure, chunkAccepted(command.size)) : chunkAccepted(command.size));
    return CONTINUE;
  }
  return finishMessage(c, decoder);
}

/** BDAT LAST: the rest of the last line, the final answer, and the end of the transaction. */
async function finishMessage(c: SmtpContext, decoder: LineEndDecoder): Promise<Next> {
  if (!c.transaction.chunkFailure) {
    const tail = decoder.finish();
    await enforceNewlinePolicy(c, decoder);
    const ending = decoder.atLineStart ? tail : Buffer.concat([tail, Buffer.from('\n')]);
    if (ending.length > 0) await passBlock(c, ending);
    reportBareNewlines(c, decoder);
  }
  c.reply(toReply(await c.engine.data.end(), ACCEPTED_MESSAGE));
  // As after DATA, the transaction is over whatever the outcome.
  c.transaction.clear();
  await c.engine.reset();
  return CONTINUE;
}

/** Reads exactly `size` bytes of the input, handing each piece to `use`. Throws EofError if input ends first. */
async function readChunk(c: SmtpContext, size: number, use: (bytes: Buffer) => unknown): Promise<void> {
  const window = new LimitedSource(c.input, size);
  for (let bytes; (bytes = await window.read(c.readTimeout())) !== null; ) await use(bytes);
  if (window.remaining > 0) throw new EofError('connection closed during BDAT');
}
