/**
 * Log lines hold protocol text, which is binary strings (one character per
 * byte): a UTF-8 address (SMTPUTF8, QMTP) would be written to the log
 * encoded twice (`jÃ¶rg`). This logger writes a line that is valid UTF-8
 * as bytes as that UTF-8 text (`jörg`). Any other line is written as it is:
 * ordinary text (`café` in an error message is not valid UTF-8 as bytes),
 * and 8-bit bytes that are not UTF-8, which stay readable as Latin-1.
 */
import { isUtf8 } from 'node:buffer';
import type { Logger } from '@mailfront/core';

const EIGHT_BIT = /[\x80-\xff]/;
const BEYOND_BYTES = /[^\x00-\xff]/;

export function readableText(text: string): string {
  if (!EIGHT_BIT.test(text) || BEYOND_BYTES.test(text)) return text;
  const bytes = Buffer.from(text, 'latin1');
  return isUtf8(bytes) ? bytes.toString('utf8') : text;
}

export function readableLog(log: Logger): Logger {
  return {
    info: (text) => log.info(readableText(text)),
    warn: (text) => log.warn(readableText(text)),
    fatal: (text) => log.fatal(readableText(text)),
  };
}
