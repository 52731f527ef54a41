/**
 * The argument of MAIL and RCPT (reference §2.5): `FROM:<a@b> SIZE=10`.
 *
 * Parsed as mailfront does, so the same clients work the same way: the
 * FROM:/TO: keyword is not checked, quotes are dropped, a backslash quotes
 * the next byte, a source route is stripped, and the parameters are the
 * space-separated words after the address (runs of spaces give empty
 * words). Two differences, both deliberate:
 *  - a bracket-less address at the end of the line (`MAIL FROM:a@b`) is
 *    accepted when it is not empty, as mailfront 2.22 does (2.12 says 501);
 *  - an address with a NUL byte, or longer than MAX_ADDRESS_LENGTH, is
 *    refused: a NUL would split the qmail-queue envelope (`Fa\0Tvictim\0`),
 *    and qmail-queue itself refuses addresses of 1003 bytes and more.
 */

/** Longest address accepted, in bytes (qmail-smtpd refuses above 900 too). */
export const MAX_ADDRESS_LENGTH = 1000;

export type AddressParse =
  | { ok: true; address: string; params: string[] }
  | { ok: false; problem: 'syntax' | 'too-long' };

const SYNTAX = { ok: false, problem: 'syntax' } as const;

export function parseAddressArgument(argument: string): AddressParse {
  const bracket = argument.indexOf('<');
  let start: number;
  let terminator: string;
  if (bracket !== -1) {
    start = bracket + 1;
    terminator = '>';
  } else {
    const colon = argument.indexOf(':');
    const space = argument.indexOf(' ');
    if (colon === -1 && space === -1) return SYNTAX;
    start = (colon !== -1 ? colon : space) + 1;
    while (argument[start] === ' ') start++;
    terminator = ' ';
  }

  let address = '';
  let quoted = false;
  let i = start;
  let terminated = false;
  for (; i < argument.length; i++) {
    const c = argument[i]!;
    if (c === '"') {
      quoted = !quoted;
    } else if (c === '\\') {
      if (++i === argument.length) return SYNTAX;
      address += argument[i];
    } else if (c === terminator && !quoted) {
      terminated = true;
      break;
    } else {
      address += c;
    }
  }
  // mailfront 2.22: a bracket-less address may end the line.
  if (!terminated && !(terminator === ' ' && !quoted && address !== '')) return SYNTAX;

  if (address.includes('\0')) return SYNTAX;
  if (Buffer.byteLength(address, 'latin1') > MAX_ADDRESS_LENGTH) return { ok: false, problem: 'too-long' };
  if (address.startsWith('@')) {
    const colon = address.indexOf(':');
    if (colon !== -1) address = address.slice(colon + 1);
  }

  let rest = i + 1;
  while (argument[rest] === ' ') rest++;
  const tail = argument.slice(rest);
  return { ok: true, address, params: tail === '' ? [] : tail.split(' ') };
}
