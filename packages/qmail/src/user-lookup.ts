/**
 * Which user receives mail for a local name, as qmail-lspawn decides it
 * (and cvm-qmail, whose reading this follows):
 *
 *   1. the exact name:                     users/cdb "!name\0", else passwd
 *   2. each prefix ending before a `-`,
 *      from the rightmost `-`:             "!prefix-", else passwd prefix;
 *                                          ext = what follows that `-`
 *   3. the catch-all:                      "!", else passwd "alias"; ext = the whole name
 *
 * The first hit is final, even if its .qmail check fails later. Names are
 * lower-cased for users/cdb; passwd gets the name as given when a users/cdb
 * exists (so `Root` misses root) and lower-cased when none does, as in cvm.
 * No qmail-getpw checks are made (uid 0, missing home, long names pass).
 */
import type { CdbReader } from '@mailfront/cdb64';
import { asciiLower } from './control.js';
import type { PasswdFile } from './passwd.js';
import { parseUserRecord, type QmailUser } from './users.js';

/** The user passwd gives an empty name: qmail's alias user. */
export const ALIAS_USER = 'alias';

export interface QmailRecipient extends QmailUser {
  /** The part of the name after the matched prefix (to be found as a .qmail extension). */
  ext: string;
}

export interface UserSources {
  /** users/cdb, when it exists. */
  users: CdbReader | undefined;
  passwd: PasswdFile;
}

/** One lookup; `wildcard` is qmail's dash flag (a prefix lookup rather than an exact one). */
export function lookupUser(name: string, wildcard: boolean, sources: UserSources): QmailUser | undefined {
  const lower = asciiLower(name);
  let passwdName = lower;
  if (sources.users !== undefined) {
    const key = lower === '' ? '!' : `!${lower}${wildcard ? '-' : '\0'}`;
    const value = sources.users.get(Buffer.from(key, 'utf8'));
    if (value !== undefined) return parseUserRecord(value);
    passwdName = name;
  }
  const entry = sources.passwd.getpwnam(passwdName === '' ? ALIAS_USER : passwdName);
  if (entry === undefined) return undefined;
  return { user: entry.name, uid: entry.uid, gid: entry.gid, home: entry.home, dash: wildcard ? '-' : '', userext: '' };
}

/** The full search for a local name; undefined when nobody takes it. */
export function findRecipient(name: string, sources: UserSources): QmailRecipient | undefined {
  const exact = lookupUser(name, false, sources);
  if (exact !== undefined) return { ...exact, ext: '' };
  for (let dash = name.lastIndexOf('-'); dash !== -1; dash = dash === 0 ? -1 : name.lastIndexOf('-', dash - 1)) {
    const found = lookupUser(name.slice(0, dash), true, sources);
    if (found !== undefined) return { ...found, ext: name.slice(dash + 1) };
  }
  const catchAll = lookupUser('', true, sources);
  return catchAll && { ...catchAll, ext: name };
}
