/**
 * Does a .qmail file take this extension? qmail-local's search:
 *
 *   HOME/.qmail<dash><userext><ext>, then, replacing what follows each
 *   `-` from the right with "default": .qmail-a-b-default, .qmail-a-default,
 *   .qmail-default
 *
 * The requested ext is lower-cased with `.` mapped to `:`; the ext stored in
 * users/cdb is used as written (as cvm-qmail does). A `-` in the home path
 * never counts. Only a missing file moves the search on: any other error
 * is thrown, because "cannot tell" must not read as "no such address".
 */
import { statSync } from 'node:fs';
import { asciiLower } from './control.js';

/** stat() that answers false for a missing file and throws any other error. */
export type ExistsCheck = (path: string) => boolean;

export const fileExists: ExistsCheck = (path) => {
  try {
    statSync(path);
    return true;
  } catch (e) {
    // Only ENOENT means "not there"; ENOTDIR (a home that is a file) and EACCES are errors, as in qmail.
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
};

/** qmail-local's mapping of the requested extension. */
export function dotQmailExt(ext: string): string {
  return asciiLower(ext).replace(/\./g, ':');
}

/**
 * The .qmail file that takes the extension, or undefined. `dash` '' means
 * the user takes no extensions: then only an empty ext is deliverable, and
 * no file is needed (the result is '').
 */
export function findDotQmail(home: string, dash: string, userext: string, ext: string, exists: ExistsCheck = fileExists): string | undefined {
  if (dash === '') return ext === '' ? '' : undefined;
  const base = `${home}/.qmail`;
  let path = base + dash + userext + dotQmailExt(ext);
  if (exists(path)) return path;
  for (let cut = path.lastIndexOf('-'); cut >= base.length; cut = cut === 0 ? -1 : path.lastIndexOf('-', cut - 1)) {
    path = `${path.slice(0, cut + 1)}default`;
    if (exists(path)) return path;
  }
  return undefined;
}
