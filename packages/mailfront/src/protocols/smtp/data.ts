/**
 * DATA: the go-ahead, the body and the final answer (reference §2.7).
 *
 * The body is decoded by core's DataDecoder: only CR LF . CR LF ends it, so
 * no bare-LF or bare-CR trick can smuggle a second message. What a bare LF
 * or CR means is the SMTP_BARE_NEWLINE policy: `normalize` (default) keeps
 * the decoder's reading (a bare LF ends a line, a bare CR is a byte);
 * `reject` refuses the message once the end mark has been read, so the
 * client stays in step, and nothing of it reaches the queue.
 */
import { DataDecoder, EofError, TimeoutError } from '@mailfront/core';
import { ACCEPTED_MESSAGE, INTERNAL_ERROR, isErrorResponse, toReply } from '../../engine/response.js';
import { CONTINUE, type Next, type SmtpConnection } from './connection.js';
import { BARE_NEWLINE, GO_AHEAD, OK, timedOut } from './replies.js';

export async function receiveMessage(c: SmtpConnection): Promise<Next> {
  const started = await c.engine.data.start();
  if (isErrorResponse(started)) {
    // No 354: a client that follows RFC 5321 sends no body, and any lines it
    // does send are read as commands, as mailfront does.
    c.reply(toReply(started, OK));
    return CONTINUE;
  }
  c.reply(GO_AHEAD);
  const decoder = new DataDecoder(c.input, { timeoutMs: c.readTimeout() });
  try {
    for (let block; (block = await decoder.next()) !== null; ) {
      if (c.config.bareNewline === 'reject' && decoder.bareLf + decoder.bareCr > 0) {
        await c.engine.data.abort(BARE_NEWLINE);
      }
      await c.engine.data.block(block).catch(async (e: Error) => {
        // Keep reading to the end mark so the client stays in step.
        c.log.warn(`internal error: ${e.message}`);
        await c.engine.data.abort(INTERNAL_ERROR);
      });
    }
  } catch (e) {
    if (!(e instanceof EofError || e instanceof TimeoutError)) throw e;
    c.log.info(e instanceof EofError ? 'Connection dropped' : 'Timed out');
    if (e instanceof TimeoutError) c.reply(timedOut(c.config.domain));
    await c.engine.reset();
    return { exit: 1 };
  }
  if (decoder.bareLf + decoder.bareCr > 0) {
    c.log.info(`message had ${decoder.bareLf} bare LF and ${decoder.bareCr} bare CR (policy ${c.config.bareNewline})`);
  }
  c.reply(toReply(await c.engine.data.end(), ACCEPTED_MESSAGE));
  return CONTINUE;
}
