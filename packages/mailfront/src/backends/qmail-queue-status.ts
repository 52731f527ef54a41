/**
 * What a qmail-queue exit status means for the client (reference §4.2):
 * 0 queued; 11-40 permanent (554); anything else temporary (451). The texts
 * are mailfront's; QQERRMSG_<n> replaces the text of status n.
 */
import type { Response } from '../engine/response.js';

const TEXTS: Record<number, string> = {
  11: '5.1.3 Address too long.',
  31: '5.3.0 Message refused.',
  51: '4.3.0 Out of memory.',
  52: '4.3.0 Timeout.',
  53: '4.3.0 Write error (queue full?).',
  54: '4.3.0 Unable to read the message or envelope.',
  55: '4.3.0 Unable to read a configuration file.',
  56: '4.3.0 Network problem.',
  61: '4.3.0 Problem with the qmail home directory.',
  62: '4.3.0 Problem with the qmail queue directory.',
  63: '4.3.0 Problem with queue/pid.',
  64: '4.3.0 Problem with queue/mess.',
  65: '4.3.0 Problem with queue/intd.',
  66: '4.3.0 Problem with queue/todo.',
  71: '4.3.0 Message refused by mail server.',
  72: '4.3.0 Connection to mail server timed out.',
  73: '4.3.0 Connection to mail server rejected.',
  74: '4.3.0 Communication with mail server failed.',
  81: '4.3.0 Internal qmail-queue bug.',
  91: '4.3.0 Envelope format error.',
};

const OTHER_PERMANENT = '5.3.0 Message rejected by qmail-queue.';
const OTHER_TEMPORARY = '4.3.0 Temporary qmail-queue failure.';

export const QQ_CRASHED: Response = { code: 451, text: '4.3.0 qmail-queue crashed.' };

export function isPermanentStatus(status: number): boolean {
  return status >= 11 && status <= 40;
}

/** The reply for a non-zero exit status; `override` is QQERRMSG_<status>. */
export function statusResponse(status: number, override: string | undefined): Response {
  const permanent = isPermanentStatus(status);
  const text = override ?? TEXTS[status] ?? (permanent ? OTHER_PERMANENT : OTHER_TEMPORARY);
  return { code: permanent ? 554 : 451, text };
}
