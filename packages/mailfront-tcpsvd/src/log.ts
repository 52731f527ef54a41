/**
 * The listener's own log lines, in tcpsvd's form (reference modern-mx §1.5,
 * ucspi-qmail §2.6) with our name in front:
 *
 *   mailfront-tcpsvd: info: listening on 127.0.0.1:25, starting.
 *   mailfront-tcpsvd: info: status 1/30
 *   mailfront-tcpsvd: info: pid 17 from 192.0.2.7
 *   mailfront-tcpsvd: info: start 17 mx.example:127.0.0.1 ::192.0.2.7:40123 ./iprules.cdb/192.0.2: +RELAYCLIENT=
 *   mailfront-tcpsvd: info: end 17 exit 0
 *
 * `info` lines go to stdout and only with -v (-vv adds the instructions to
 * the decision line); warnings, `drop:` and `fatal:` go to stderr, always.
 * The number after start/end/pid is the session id, which the programs of
 * the session also print in place of their pid.
 */
import type { Writable } from 'node:stream';

export const PROGRAM = 'mailfront-tcpsvd';

/** tcpsvd's caps: host, address and path fields 100 bytes, instruction text 140. */
const FIELD_MAX = 100;
const INSTRUCTIONS_MAX = 140;
const TRUNCATED = '...(truncate)';

/** A host, address or path in a log line: no spaces, colons or control bytes (they would break the fields apart). */
export function logField(text: string): string {
  const shown = Array.from(Buffer.from(text, 'latin1'), (b) => (b < 33 || b > 126 || b === 0x3a ? '?' : String.fromCharCode(b))).join('');
  return shown.length > FIELD_MAX ? shown.slice(0, FIELD_MAX) + TRUNCATED : shown;
}

/** An address in a log line: IPv4 as a field; IPv6 (our extension) in brackets, since its colons would split the line's fields. */
export function logAddress(address: string): string {
  return address.includes(':') ? `[${address.replace(/[^0-9a-fA-F:.]/g, '?')}]` : logField(address);
}

/** Instruction text for -vv: NULs (line breaks) as commas, other odd bytes as `?`. */
export function logInstructions(text: string): string {
  const shown = Array.from(Buffer.from(text, 'latin1'), (b) => (b === 0 ? ',' : b < 32 || b > 126 ? '?' : String.fromCharCode(b))).join('');
  return shown.length > INSTRUCTIONS_MAX ? shown.slice(0, INSTRUCTIONS_MAX) + TRUNCATED : shown;
}

export interface ListenerLog {
  readonly verbose: number;
  /** An info line (stdout, only with -v). */
  info(text: string): void;
  warn(text: string): void;
  /** A connection dropped for a temporary reason (tcpsvd's `drop:`). */
  drop(text: string): void;
  fatal(text: string): void;
}

export function createListenerLog(verbose: number, stdout: Writable, stderr: Writable): ListenerLog {
  const write = (stream: Writable, text: string) => {
    if (!stream.destroyed) stream.write(`${PROGRAM}: ${text.replace(/[\r\n]/g, '?')}\n`);
  };
  return {
    verbose,
    info: (text) => {
      if (verbose > 0) write(stdout, `info: ${text}`);
    },
    warn: (text) => write(stderr, `warning: ${text}`),
    drop: (text) => write(stderr, `drop: ${text}`),
    fatal: (text) => write(stderr, `fatal: ${text}`),
  };
}
