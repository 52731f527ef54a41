/** Replies of the SMTP protocol itself (reference §2.10), by the condition that produces them. */
import type { Reply } from '@mailfront/core';

const r = (code: number, text: string): Reply => ({ code, text });

export const GOODBYE = r(221, '2.0.0 Good bye.');
export const OK = r(250, '2.3.0 OK');
export const VRFY_REPLY = r(252, "2.5.2 Send some mail, I'll try my best.");
export const HELP_REPLY = r(214, '2.0.0 Help not available.');
export const READY_FOR_TLS = r(220, '2.0.0 Ready to start TLS');
export const GO_AHEAD = r(354, 'End your message with a period on a line by itself.');
export const NOT_IMPLEMENTED = r(500, '5.5.1 Not implemented.');
export const LINE_TOO_LONG = r(500, '5.5.2 Line too long.');
export const BAD_ADDRESS = r(501, '5.5.2 Syntax error in address parameter.');
export const ADDRESS_TOO_LONG = r(501, '5.5.2 Address too long.');
/** A plugin command that takes no argument was given one (mailfront 2.12 swaps the two texts). */
export const NO_PARAMETERS_ALLOWED = r(501, '5.5.2 Syntax error, no parameters allowed.');
/** A plugin command that needs an argument was given none. */
export const PARAMETER_REQUIRED = r(501, '5.5.2 Syntax error, command requires a parameter.');
export const MAIL_FIRST = r(503, '5.5.1 You must send MAIL FROM: first');
export const RCPT_FIRST = r(503, '5.5.1 You must send RCPT TO: first');
export const TOO_MANY_UNIMPLEMENTED = r(503, '5.5.0 Too many unimplemented commands.\n5.5.0 Closing connection.');
/** Only under SMTP_BARE_NEWLINE=reject. */
export const BARE_NEWLINE = r(550, '5.5.2 Message contains a bare CR or LF; lines must end in CR LF.');
/** SMTP_BARE_NEWLINE=reject-cr, the default: a CR not followed by LF. */
export const BARE_CR = r(550, '5.6.0 Message contains a bare CR; lines must end in CR LF.');

/** DATA, MAIL or RCPT while a BDAT message is in progress (RFC 3030 §2). */
export const BDAT_IN_PROGRESS = r(503, '5.5.1 A BDAT message is in progress: send BDAT LAST or RSET first.');
/** A BDAT line that cannot be parsed: the bytes after it cannot be told from commands, so the session ends. */
export const BDAT_SYNTAX = r(521, '5.5.4 Syntax: BDAT size [LAST]; closing connection.');
/** BODY=BINARYMIME: not offered, because the qmail queue stores lines, not binary content. */
export const BINARYMIME_UNSUPPORTED = r(555, '5.5.4 BODY=BINARYMIME is not supported.');
/** RFC 6531 §3.7.4: a non-ASCII address without SMTPUTF8; 550 at MAIL, 553 at RCPT. */
export const NON_ASCII_SENDER = r(550, '5.6.7 Non-ASCII addresses need the SMTPUTF8 parameter.');
export const NON_ASCII_RECIPIENT = r(553, '5.6.7 Non-ASCII addresses need the SMTPUTF8 parameter.');
/** SMTPUTF8 allows UTF-8, and only valid UTF-8 (RFC 6531 §3.3). */
export const BAD_UTF8_SENDER = r(501, '5.1.7 The sender address is not valid UTF-8.');
export const BAD_UTF8_RECIPIENT = r(501, '5.1.3 The recipient address is not valid UTF-8.');

export function chunkAccepted(size: number): Reply {
  return r(250, `2.0.0 ${size} bytes received.`);
}

/** A chunk over SMTP_MAX_CHUNK is refused before it is read, so the session ends. */
export function chunkTooLarge(max: number): Reply {
  return r(552, `5.3.4 BDAT chunk over ${max} bytes; closing connection.`);
}

export function timedOut(domain: string): Reply {
  return r(421, `4.4.2 ${domain} Timeout, closing connection.`);
}

/** The listener (mailfront-tcpsvd) is stopping: said at the next command of each session. */
export function shuttingDown(domain: string): Reply {
  return r(421, `4.3.2 ${domain} shutting down, closing connection.`);
}
