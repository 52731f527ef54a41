/**
 * QMQP's die texts (reference §3.1), by the condition that produces them.
 * The framing of answers and dies is QMTP's (../qmtp/replies.ts).
 */
export {
  BAD_RECIPIENT,
  BAD_SENDER,
  BAD_TERMINATOR,
  EOF_BODY,
  EOF_COMMA,
  EOF_RECIPIENTS,
  EOF_SENDER,
  INVALID_BODY,
  LENGTH_TOO_LONG,
  ZERO_LENGTH,
} from '../qmtp/replies.js';

/** A wrapper length that is not a number, or that does not match the package inside it. */
export const INVALID_WRAPPER = 'Invalid wrapper netstring';
/** The input ended where the next recipient or the wrapper's comma belongs. */
export const EOF_BEFORE_END = 'EOF before end of recipient list';
