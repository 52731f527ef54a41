/**
 * The bare-newline policy, one for DATA and BDAT (SMTP_BARE_NEWLINE).
 *
 * Both decoders (core's DataDecoder and LineEndDecoder) count LF bytes not
 * preceded by CR and CR bytes not followed by LF, and read them the same
 * way (a bare LF ends a line, a bare CR is a byte). Under `reject-cr` (the
 * default) the first bare CR refuses the message (BARE_CR, 5.6.0): a bare
 * CR kept in the queue goes out again when qmail relays the message, and a
 * next hop that takes CR . CR as the end of data could be made to see a
 * second message; bare LFs are normalised, as Postfix does. Under `reject`
 * the first bare CR or LF refuses it (BARE_NEWLINE); under `normalize` the
 * decoders' reading is kept (mailfront's; a per-IP exemption). A refused
 * message is still read to its end, so the client stays in step, but
 * nothing more reaches the queue.
 */
import type { SmtpContext } from './state.js';
import type { Awaitable } from '../../util/awaitable.js';
import { BARE_CR, BARE_NEWLINE } from './replies.js';

export interface NewlineCounts {
  readonly bareLf: number;
  readonly bareCr: number;
}

/** After each decoded block, and at the end: stops the message once the policy refuses what was counted. */
export function enforceNewlinePolicy(c: SmtpContext, counts: NewlineCounts): Awaitable<void> {
  const policy = c.config.bareNewline;
  if (policy === 'reject' && counts.bareLf + counts.bareCr > 0) return c.engine.data.abort(BARE_NEWLINE);
  if (policy === 'reject-cr' && counts.bareCr > 0) return c.engine.data.abort(BARE_CR);
}

/** At the end of the message: one log line when it had bare CRs or LFs. */
export function reportBareNewlines(c: SmtpContext, counts: NewlineCounts): void {
  if (counts.bareLf + counts.bareCr > 0) {
    c.log.info(`message had ${counts.bareLf} bare LF and ${counts.bareCr} bare CR (policy ${c.config.bareNewline})`);
  }
}
