/**
 * QMTP's texts and the K/Z/D framing of every answer (reference §3.1),
 * shared with QMQP.
 *
 * An answer is one netstring: a status letter, then the text. Multi-line
 * text keeps its LFs inside the one netstring, and any byte is safe there
 * (the length frames it), so text is never rewritten. A "die" is a fatal
 * framing error: `Z<text>`, the session ends, exit status 111.
 */
import { encodeNetstring, type Reply } from '@mailfront/core';
import type { Response } from '../../engine/response.js';

/** Exit status after a die (a temporary failure: the client tries again later). */
export const EXIT_DIE = 111;
/** Code under which a die text is logged, as mailfront logs it. */
export const DIE_CODE = 451;

// Die texts of mailfront's QMTP (reference §3.1), by the condition that produces them.
export const INVALID_BODY = 'Invalid message body netstring';
export const ZERO_LENGTH = 'Zero length message';
export const EOF_BODY_NL = 'EOF while reading body NL';
export const NON_LF_TERMINATOR = 'Cannot handle non-LF line terminator';
export const EOF_BODY = 'EOF while reading body';
export const EOF_COMMA = 'EOF while reading comma';
export const BAD_TERMINATOR = 'Invalid netstring terminator';
export const EOF_SENDER = 'EOF while reading sender address';
export const BAD_SENDER = 'Invalid sender netstring';
export const EOF_RECIPIENTS = 'EOF while reading recipient list';
export const BAD_RECIPIENT = 'Invalid recipient netstring';
export const BAD_LENGTH = 'Invalid netstring length';
export const LENGTH_TOO_LONG = 'Netstring length too long';
export const MISSING_COMMA = 'Netstring missing comma';
export const EOF_SENDING = 'EOF while sending response';

/**
 * The longest address taken, in bytes: qmail-queue refuses 1003 and more,
 * qmail-qmtpd and qmail-qmqpd refuse 1000 and more.
 */
export const MAX_ADDRESS_LENGTH = 1000;

// Refusals of addresses that would corrupt the queue (not in mailfront 2.12).
export const SENDER_TOO_LONG: Response = { code: 553, text: '5.1.7 Sender address too long.' };
export const SENDER_HAS_NUL: Response = { code: 553, text: '5.1.7 Sender address contains a NUL byte.' };
export const RECIPIENT_TOO_LONG: Response = { code: 553, text: '5.1.3 Recipient address too long.' };
export const RECIPIENT_HAS_NUL: Response = { code: 553, text: '5.1.3 Recipient address contains a NUL byte.' };
/** A non-ASCII address must be UTF-8 (RFC 6531's rule; QMTP and QMQP carry UTF-8 envelopes as they are). */
export const SENDER_NOT_UTF8: Response = { code: 553, text: '5.1.7 Sender address is not valid UTF-8.' };
export const RECIPIENT_NOT_UTF8: Response = { code: 553, text: '5.1.3 Recipient address is not valid UTF-8.' };

/** K for 200–399, D for 500 and up, Z for the rest (4xx, and codes below 200). */
export function statusLetter(code: number): 'K' | 'Z' | 'D' {
  if (code >= 200 && code < 400) return 'K';
  return code >= 500 ? 'D' : 'Z';
}

/** The wire form of an answer: `<len>:<K|Z|D><text>,`, nothing after the comma. */
export function frameResponse(reply: Reply): Buffer {
  return encodeNetstring(statusLetter(reply.code) + reply.text);
}

/** The wire form of a die. */
export function frameDie(text: string): Buffer {
  return encodeNetstring('Z' + text);
}
