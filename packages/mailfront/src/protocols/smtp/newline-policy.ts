/**
 * The bare-newline policy, one for DATA and BDAT (SMTP_BARE_NEWLINE).
 *
 * Both decoders (core's DataDecoder and LineEndDecoder) count LF bytes not
 * preceded by CR and CR bytes not followed by LF, and read them the same
 * way (a bare LF ends a line, a bare CR is a byte). Under `normalize` (the
 * default) that reading is kept; under `reject` the first bare CR or LF
 * refuses the message: the rest of it is still read, so the client stays in
 * step, but nothing more reaches the queue, and the final answer is
 * BARE_NEWLINE.
 */
import type { SmtpContext } from './state.js';
import { BARE_NEWLINE } from './replies.js';

export interface NewlineCounts {
  readonly bareLf: number;
  readonly bareCr: number;
}

/** After each decoded block: stops the message under `reject` once a bare CR or LF was seen. */
export async function enforceNewlinePolicy(c: SmtpContext, counts: NewlineCounts): Promise<void> {
  if (c.config.bareNewline === 'reject' && counts.bareLf + counts.bareCr > 0) await c.engine.data.abort(BARE_NEWLINE);
}

/** At the end of the message: one log line when it had bare CRs or LFs. */
export function reportBareNewlines(c: SmtpContext, counts: NewlineCounts): void {
  if (counts.bareLf + counts.bareCr > 0) {
    c.log.info(`message had ${counts.bareLf} bare LF and ${counts.bareCr} bare CR (policy ${c.config.bareNewline})`);
  }
}
