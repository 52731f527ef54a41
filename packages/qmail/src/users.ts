/**
 * qmail's user database: users/assign, compiled by qmail-newu into
 * users/cdb, which qmail-lspawn (and cvm-qmail) read.
 *
 *   =local:user:uid:gid:home:dash:ext:     exact address  → key "!local\0"
 *   +prefix:user:uid:gid:home:dash:ext:    wildcard       → key "!prefix"
 *
 * Keys are lower-cased; the value is the six fields joined by NUL. The key
 * "" holds the last characters of the wildcard prefixes (qmail-lspawn's
 * wildchars). Reading stops at a line starting with ".".
 */
import { writeCdb } from '@mailfront/cdb64';
import { readFileSync } from 'node:fs';
import { asciiLower } from './control.js';

/** A user found in users/cdb or in the passwd file. */
export interface QmailUser {
  user: string;
  uid: number;
  gid: number;
  home: string;
  /** The separator before the extension in .qmail file names; '' when the user takes no extensions. */
  dash: string;
  /** The extension stored with the user (users/assign's ext field). */
  userext: string;
}

export class UsersAssignError extends Error {
  override name = 'UsersAssignError';
}
export class MalformedUserRecordError extends Error {
  override name = 'MalformedUserRecordError';
}

/** The records qmail-newu makes of users/assign, in file order, the wildchars record last. */
export function usersCdbRecords(assign: string): Array<[Buffer, Buffer]> {
  const records: Array<[Buffer, Buffer]> = [];
  let wildchars = '';
  const lines = assign.split('\n');
  for (const [index, line] of lines.entries()) {
    if (line.startsWith('.')) return [...records, [Buffer.alloc(0), Buffer.from(wildchars, 'utf8')]];
    if (line === '') continue;
    const problem = (what: string) => new UsersAssignError(`users/assign line ${index + 1}: ${what}`);
    if (line.includes('\0')) throw problem('contains a NUL byte');
    const colon = line.indexOf(':');
    if (colon <= 0 || (line[0] !== '=' && line[0] !== '+')) throw problem('expected =local: or +prefix:');
    const fields = line.slice(colon + 1).split(':');
    if (fields.length < 7) throw problem('fewer than 7 fields after the address');
    const local = asciiLower(line.slice(1, colon));
    if (line[0] === '+' && local !== '' && !wildchars.includes(local.slice(-1))) wildchars += local.slice(-1);
    const key = line[0] === '=' ? `!${local}\0` : `!${local}`;
    records.push([Buffer.from(key, 'utf8'), Buffer.from(fields.slice(0, 6).join('\0'), 'utf8')]);
  }
  throw new UsersAssignError('users/assign does not end with a line starting with "."');
}

/** qmail-newu: compiles QMAIL_ROOT/users/assign into users/cdb (published atomically). */
export function compileUsersAssign(root: string): number {
  const records = usersCdbRecords(readFileSync(`${root}/users/assign`, 'utf8'));
  writeCdb(`${root}/users/cdb`, records);
  return records.length;
}

/** A users/cdb value: user, uid, gid, home, dash and ext, separated by NUL; ext runs to the end. */
export function parseUserRecord(value: Buffer): QmailUser {
  const fields: string[] = [];
  let start = 0;
  for (let i = 0; i < 5; i++) {
    const nul = value.indexOf(0, start);
    if (nul === -1) throw new MalformedUserRecordError('users/cdb record has fewer than 6 fields');
    fields.push(value.subarray(start, nul).toString('utf8'));
    start = nul + 1;
  }
  const [user, uid, gid, home, dash] = fields as [string, string, string, string, string];
  return { user, uid: leadingNumber(uid), gid: leadingNumber(gid), home, dash: dash.slice(0, 1), userext: value.subarray(start).toString('utf8') };
}

/** qmail's scan_ulong: the leading digits, 0 when there are none. */
function leadingNumber(text: string): number {
  const digits = /^[0-9]+/.exec(text);
  return digits ? Number(digits[0]) : 0;
}
