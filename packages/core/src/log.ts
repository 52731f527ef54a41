/**
 * Logging: one line per event on stderr, `program[pid]: text`, the form
 * multilog and svlogd expect and the one mailfront and cvm use.
 *
 * Text that came from a peer (an SMTP argument, a user name) is logged too,
 * so every control byte is escaped: a CR or LF inside it must never start a
 * forged log line.
 */
import type { Writable } from 'node:stream';
import { PIPE_BUF } from './log-stream.js';

export interface Logger {
  info(text: string): void;
  warn(text: string): void;
  fatal(text: string): void;
}

/** A bug's exception as one line of log text: its stack (else message), line breaks as ` | `. */
export function crashText(e: unknown): string {
  const detail = e instanceof Error ? (e.stack ?? e.message) : String(e);
  return detail.replace(/\n/g, ' | ');
}

export function escapeLogText(text: string): string {
  return text.replace(/[\x00-\x1f\x7f]/g, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    return '\\x' + c.charCodeAt(0).toString(16).padStart(2, '0');
  });
}

/**
 * A line longer than PIPE_BUF bytes is cut to fit, with a note of how much
 * was left out: only a write of at most PIPE_BUF bytes to a pipe is atomic,
 * so only such a line can never be interleaved with another process's.
 */
export function fitLogLine(line: string): string {
  // A UTF-16 code unit is at most 3 bytes of UTF-8: most lines need no count.
  if (line.length * 3 <= PIPE_BUF) return line;
  const bytes = Buffer.from(line);
  if (bytes.length <= PIPE_BUF) return line;
  const note = (left: number) => ` [${left} more bytes]\n`;
  let cut = PIPE_BUF - note(bytes.length).length;
  // Never cut inside a UTF-8 sequence.
  while (cut > 0 && (bytes[cut]! & 0xc0) === 0x80) cut--;
  return bytes.subarray(0, cut).toString() + note(bytes.length - 1 - cut);
}

export function createLogger(program: string, stream: Writable, pid: number = process.pid): Logger {
  const prefix = `${program}[${pid}]: `;
  const line = (text: string) => {
    if (!stream.destroyed) stream.write(fitLogLine(prefix + escapeLogText(text) + '\n'));
  };
  return {
    info: (text) => line(text),
    warn: (text) => line('Warning: ' + text),
    fatal: (text) => line('Fatal: ' + text),
  };
}
