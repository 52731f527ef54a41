/**
 * The address lists of `[[file]]` and `[[@file]]` patterns (reference §8.1,
 * §8.2).
 *
 * A name ending in `.cdb` (longer than `.cdb` itself) is a constant
 * database whose keys are looked up; anything else is a text list read
 * once at start-up: one entry a line, blanks around it removed, empty and
 * `#` lines skipped, lower-cased (ASCII only). A missing text list is an
 * error at start-up; a missing cdb is an empty list.
 *
 * Differences from mailfront 2.12: a missing cdb matches nothing (2.12
 * matches every address: its lookup error counts as found); a cdb is looked
 * up through a descriptor that is reopened when the file is replaced
 * (qmail-newmrh, cdb -c) or appears later; a cdb that cannot be read is a
 * start-up error, and later a temporary failure of the command, never a
 * silent match.
 */
import { readFileSync, statSync } from 'node:fs';
import { WatchedCdb } from '@mailfront/qmail';
import { entryForms } from './address-forms.js';
import { textString } from '../../util/binary-string.js';

/** Text lists larger than this are refused rather than read into memory. */
export const LIST_MAX_BYTES = 64 * 1024 * 1024;

export class ListError extends Error {
  override name = 'ListError';
}

export interface AddressList {
  /** Whether `key` (lower-cased already) is in the list. May throw when a cdb cannot be read. */
  has(key: string): boolean;
  close(): void;
}

/** The blanks that are trimmed around an entry (isspace). */
const BLANKS = /^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g;

export function parseTextList(contents: string): Set<string> {
  const entries = new Set<string>();
  for (const raw of contents.split('\n')) {
    const entry = raw.replace(BLANKS, '');
    if (entry !== '' && !entry.startsWith('#')) for (const form of entryForms(entry)) entries.add(form);
  }
  return entries;
}

/** errno codes as strerror words, for log lines the way the C tools write them. */
const REASONS: Record<string, string> = {
  ENOENT: 'No such file or directory',
  EACCES: 'Permission denied',
  EISDIR: 'Is a directory',
  ENOTDIR: 'Not a directory',
  ELOOP: 'Too many levels of symbolic links',
  ENAMETOOLONG: 'File name too long',
};

export function reason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  return (code !== undefined && REASONS[code]) || (e as Error).message;
}

/** Reads a whole small file named by a binary string; size-capped. */
export function readCapped(name: string, max: number): string {
  const path = Buffer.from(name, 'latin1');
  const stats = statSync(path);
  if (stats.isDirectory()) throw Object.assign(new Error('Is a directory'), { code: 'EISDIR' });
  if (!stats.isFile()) throw new Error('not a regular file');
  if (stats.size > max) throw new Error(`larger than ${max} bytes`);
  return readFileSync(path).toString('latin1');
}

class TextList implements AddressList {
  constructor(private readonly entries: Set<string>) {}
  has(key: string): boolean {
    return this.entries.has(key);
  }
  close(): void {}
}

class CdbList implements AddressList {
  readonly #cdb: WatchedCdb;
  constructor(name: string) {
    this.#cdb = new WatchedCdb(textString(name));
  }
  has(key: string): boolean {
    return this.#cdb.get()?.has(key) ?? false;
  }
  close(): void {
    this.#cdb.close();
  }
}

export const isCdbName = (name: string) => name.length > 4 && name.endsWith('.cdb');

/** Opens each list once, however many rules name it. */
export class ListLoader {
  readonly #lists = new Map<string, AddressList>();

  /** Throws ListError when the list cannot be used. */
  open(name: string): AddressList {
    let list = this.#lists.get(name);
    if (list) return list;
    try {
      if (isCdbName(name)) {
        list = new CdbList(name);
        list.has(''); // opens it now: an unreadable or corrupt file must stop start-up
      } else {
        list = new TextList(parseTextList(readCapped(name, LIST_MAX_BYTES)));
      }
    } catch (e) {
      throw new ListError(`cannot read the list ${name}: ${reason(e)}`);
    }
    this.#lists.set(name, list);
    return list;
  }

  close(): void {
    for (const list of this.#lists.values()) list.close();
    this.#lists.clear();
  }
}

/**
 * `[[file]]`: the whole address, or its `@domain` (from the last `@`, with
 * the `@`; empty without one) is listed. `[[@file]]`: the domain without
 * the `@` is listed; an address without `@` never matches.
 */
export function listMatches(list: AddressList, byDomain: boolean, address: string): boolean {
  const at = address.lastIndexOf('@');
  if (byDomain) return at >= 0 && list.has(address.slice(at + 1));
  return list.has(address) || list.has(at >= 0 ? address.slice(at) : '');
}

/** listMatches for any of an address's forms (addressForms). */
export function listMatchesAny(list: AddressList, byDomain: boolean, forms: readonly string[]): boolean {
  return forms.some((address) => listMatches(list, byDomain, address));
}
