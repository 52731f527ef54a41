/**
 * The protocol's view of the mail transaction: which commands have been
 * accepted since the last reset, and how the message is being sent. The
 * engine keeps the envelope itself; this is what the SMTP command sequence
 * rules (RFC 5321 §4.1.4, RFC 3030 §2, RFC 6531 §3.4) are checked against.
 */
import type { LineEndDecoder } from '@mailfront/core';
import type { Response } from '../../engine/response.js';

export class Transaction {
  /** MAIL was accepted. */
  sawMail = false;
  /** At least one RCPT was accepted. */
  sawRcpt = false;
  /** MAIL carried the SMTPUTF8 parameter: addresses may be UTF-8. */
  utf8 = false;
  /** A BDAT chunk has been received: DATA, MAIL and RCPT are out of sequence until LAST or RSET. */
  chunking = false;
  /** The line-end state carried from one BDAT chunk to the next. */
  lineEnds: LineEndDecoder | undefined;
  /**
   * The error that ended a BDAT message early (a plugin refused it, a chunk
   * was too large): later chunks are read, dropped and answered with it.
   */
  chunkFailure: Response | undefined;

  clear(): void {
    this.sawMail = false;
    this.sawRcpt = false;
    this.utf8 = false;
    this.chunking = false;
    this.lineEnds = undefined;
    this.chunkFailure = undefined;
  }
}
