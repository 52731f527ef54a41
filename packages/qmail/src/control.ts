/**
 * The shapes of qmail control files.
 *
 *   list    one entry per line; blanks around it removed; empty lines and
 *           lines starting with # skipped (locals, rcpthosts, badmailfrom,
 *           badrcptto, virtualdomains)
 *   line    the first line, as is (me, envnoathost): cvm-qmail keeps
 *           trailing blanks and CR, and so do we
 *   number  the first line as a decimal (databytes)
 */

import { domainLookupKey } from '@mailfront/core';

/** ASCII-only lower case: domains and local parts fold A-Z, nothing else (as qmail's case_lowerb). */
export function asciiLower(text: string): string {
  return /[A-Z]/.test(text) ? text.replace(/[A-Z]+/g, (s) => s.toLowerCase()) : text;
}

/**
 * An address (or an `@domain` entry) in the form control-file lists are
 * compared in: the local part ASCII-lower-cased as qmail does, the domain
 * after the last `@` in its lower-cased A-label form, so that
 * `joe@Bücher.example` and `joe@xn--bcher-kva.example` are one key. For
 * ASCII addresses this is asciiLower.
 */
export function addressLookupKey(address: string): string {
  const at = address.lastIndexOf('@');
  if (at === -1) return asciiLower(address);
  return asciiLower(address.slice(0, at + 1)) + domainLookupKey(address.slice(at + 1));
}

/** isspace: blank, tab, LF, VT, FF, CR. */
const SPACE = /^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g;

export function parseControlList(contents: Buffer | undefined, lowercase = true): string[] {
  if (contents === undefined) return [];
  const entries: string[] = [];
  for (const raw of contents.toString('utf8').split('\n')) {
    const line = raw.replace(SPACE, '');
    if (line === '' || line.startsWith('#')) continue;
    entries.push(lowercase ? asciiLower(line) : line);
  }
  return entries;
}

/** Only this much of a one-line control file is read, as in cvm. */
const CONTROL_LINE_MAX = 4096;

/** The first line, untrimmed; undefined for a missing or empty file (or an empty first line). */
export function parseControlLine(contents: Buffer | undefined): string | undefined {
  if (contents === undefined) return undefined;
  const head = contents.subarray(0, CONTROL_LINE_MAX);
  const lf = head.indexOf(0x0a);
  const line = head.subarray(0, lf === -1 ? head.length : lf).toString('utf8');
  return line === '' ? undefined : line;
}

/** The first line as a non-negative decimal (leading digits, as qmail's scan_ulong); undefined when absent. */
export function parseControlNumber(contents: Buffer | undefined): number | undefined {
  const line = parseControlLine(contents);
  if (line === undefined) return undefined;
  const digits = /^[ \t]*([0-9]+)/.exec(line);
  return digits ? Number(digits[1]) : 0;
}
