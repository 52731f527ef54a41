/**
 * DATA: the go-ahead, the body and the final answer (reference §2.7).
 *
 * The body is decoded by core's DataDecoder: only CR LF . CR LF ends it, so
 * no bare-LF or bare-CR trick can smuggle a second message. What a bare LF
 * or CR means is the policy of newline-policy.ts, shared with BDAT (by
 * default a bare CR refuses the message).
 */
import { DataDecoder, EofError, TimeoutError } from '@mailfront/core';
import { ACCEPTED_MESSAGE, INTERNAL_ERROR, isErrorResponse, toReply } from '../../engine/response.js';
import { enforceNewlinePolicy, reportBareNewlines } from './newline-policy.js';
import { GO_AHEAD, OK, timedOut } from './replies.js';
import { CONTINUE, type Next, type SmtpContext } from './state.js';
import { isPromiseLike, type Awaitable } from '../../util/awaitable.js';

export async function receiveMessage(c: SmtpContext): Promise<Next> {
  let started = c.engine.data.start();
  if (isPromiseLike(started)) started = await started;
  if (isErrorResponse(started)) {
    // No 354: a client that follows RFC 5321 sends no body, and any lines it
    // does send are read as commands, as mailfront does.
    c.reply(toReply(started, OK));
    return CONTINUE;
  }
  c.reply(GO_AHEAD);
  const decoder = new DataDecoder(c.input, { timeoutMs: c.readTimeout() });
  // Each step is awaited only when it did not finish at once (util/awaitable.ts).
  try {
    for (;;) {
      let block = decoder.next();
      if (isPromiseLike(block)) block = await block;
      if (block === null) break;
      const policy = enforceNewlinePolicy(c, decoder);
      if (isPromiseLike(policy)) await policy;
      const passed = passBlock(c, block);
      if (isPromiseLike(passed)) await passed;
    }
  } catch (e) {
    return connectionLost(c, e);
  }
  // A bare CR in the last chunk is counted only once the chunk is decoded.
  await enforceNewlinePolicy(c, decoder);
  reportBareNewlines(c, decoder);
  let answer = c.engine.data.end();
  if (isPromiseLike(answer)) answer = await answer;
  c.reply(toReply(answer, ACCEPTED_MESSAGE));
  return CONTINUE;
}

/** One decoded block into the chain; a plugin that throws fails the message, not the session. */
export function passBlock(c: SmtpContext, block: Buffer): Awaitable<void> {
  const failed = (e: unknown) => {
    // Keep reading to the end of the message so the client stays in step.
    c.log.warn(`internal error: ${(e as Error).message}`);
    return c.engine.data.abort(INTERNAL_ERROR);
  };
  const passed = c.engine.data.block(block);
  return isPromiseLike(passed) ? Promise.resolve(passed).catch(failed) : passed;
}

/** Input ended or stalled inside a message: the message is dropped and the session ends. */
export async function connectionLost(c: SmtpContext, e: unknown): Promise<Next> {
  if (!(e instanceof EofError || e instanceof TimeoutError)) throw e;
  c.log.info(e instanceof EofError ? 'Connection dropped' : 'Timed out');
  if (e instanceof TimeoutError) c.reply(timedOut(c.config.domain));
  await c.engine.reset();
  return { exit: 1 };
}
