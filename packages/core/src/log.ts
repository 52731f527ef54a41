/**
 * Logging: one line per event on stderr, `program[pid]: text`, the form
 * multilog and svlogd expect and the one mailfront and cvm use.
 *
 * Text that came from a peer (an SMTP argument, a user name) is logged too,
 * so every control byte is escaped: a CR or LF inside it must never start a
 * forged log line.
 */
import type { Writable } from 'node:stream';

export interface Logger {
  info(text: string): void;
  warn(text: string): void;
  fatal(text: string): void;
}

export function escapeLogText(text: string): string {
  return text.replace(/[\x00-\x1f\x7f]/g, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    return '\\x' + c.charCodeAt(0).toString(16).padStart(2, '0');
  });
}

export function createLogger(program: string, stream: Writable, pid: number = process.pid): Logger {
  const prefix = `${program}[${pid}]: `;
  const line = (text: string) => {
    if (!stream.destroyed) stream.write(prefix + escapeLogText(text) + '\n');
  };
  return {
    info: (text) => line(text),
    warn: (text) => line('Warning: ' + text),
    fatal: (text) => line('Fatal: ' + text),
  };
}
