/**
 * The password file: `name:password:uid:gid:gecos:directory:shell`, one
 * entry per line, read afresh for every request (cvm 0.97's cvm-pwfile).
 *
 * The first line whose name equals the account, ignoring ASCII case, is the
 * entry. The file is read in blocks and the scan stops at the match, so a
 * big file costs no more memory than one line; a line longer than
 * LINE_MAX cannot be an entry and is skipped.
 */
import { closeSync, openSync, readSync } from 'node:fs';

export const LINE_MAX = 64 * 1024;
const BLOCK = 64 * 1024;
const LF = 0x0a;
const COLON = 0x3a;

export interface PwEntry {
  /** The name as spelled in the file. */
  name: string;
  password: Buffer;
  uid: number;
  gid: number;
  /** The gecos field up to its first comma. */
  realName: string;
  directory: string;
  /** The rest of the line (a `:` in it is kept, as in cvm). */
  shell: string;
}

/** Why an entry was not usable. */
export type EntryProblem = 'no-password' | 'malformed';

/**
 * The line of `account`, or undefined. Throws on a file that cannot be
 * read (the caller answers 4, "Input/Output error").
 */
export function findLine(path: string, account: Buffer): Buffer | undefined {
  const fd = openSync(path, 'r');
  try {
    const block = Buffer.alloc(BLOCK);
    let carry = Buffer.alloc(0);
    let skipping = false;
    for (;;) {
      const n = readSync(fd, block, 0, BLOCK, null);
      if (n === 0) return !skipping && matches(carry, account) ? carry : undefined;
      let data = carry.length > 0 ? Buffer.concat([carry, block.subarray(0, n)]) : Buffer.from(block.subarray(0, n));
      for (let lf = data.indexOf(LF); lf !== -1; lf = data.indexOf(LF)) {
        const line = data.subarray(0, lf);
        if (!skipping && matches(line, account)) return Buffer.from(line);
        skipping = false;
        data = data.subarray(lf + 1);
      }
      if (data.length > LINE_MAX) {
        skipping = true;
        data = Buffer.alloc(0);
      }
      carry = data;
    }
  } finally {
    closeSync(fd);
  }
}

function matches(line: Buffer, account: Buffer): boolean {
  if (line.length <= account.length || line[account.length] !== COLON) return false;
  for (let i = 0; i < account.length; i++) if (lowerAscii(line[i]!) !== lowerAscii(account[i]!)) return false;
  return true;
}

function lowerAscii(byte: number): number {
  return byte >= 0x41 && byte <= 0x5a ? byte + 0x20 : byte;
}

/**
 * The fields of a line found by findLine. A missing or empty password is
 * 'no-password' (cvm answers 100); a missing field or a uid/gid that is not
 * a number is 'malformed' (cvm answers 6).
 */
export function parseEntry(line: Buffer, nameLength: number): PwEntry | EntryProblem {
  const name = line.subarray(0, nameLength).toString('utf8');
  let rest = line.subarray(nameLength + 1);
  const passwordEnd = rest.indexOf(COLON);
  if (passwordEnd <= 0) return 'no-password';
  const password = rest.subarray(0, passwordEnd);
  rest = rest.subarray(passwordEnd + 1);
  const fields: string[] = [];
  for (let i = 0; i < 4; i++) {
    const colon = rest.indexOf(COLON);
    if (colon === -1) return 'malformed';
    fields.push(rest.subarray(0, colon).toString('utf8'));
    rest = rest.subarray(colon + 1);
  }
  const [uidText, gidText, gecos, directory] = fields as [string, string, string, string];
  const uid = parseId(uidText);
  const gid = parseId(gidText);
  if (uid === undefined || gid === undefined) return 'malformed';
  const comma = gecos.indexOf(',');
  return { name, password, uid, gid, realName: comma === -1 ? gecos : gecos.slice(0, comma), directory, shell: rest.toString('utf8') };
}

/** The largest valid id: (uid_t)-1 means "no id" to the kernel. */
const ID_MAX = 0xfffffffe;

/**
 * strtoul's reading, as cvm uses it: leading white space and a `+` allowed,
 * no digits is 0. A minus sign or a value past ID_MAX (which strtoul wraps
 * to a huge id) is refused.
 */
function parseId(text: string): number | undefined {
  const match = /^[ \t\n\v\f\r]*\+?([0-9]*)$/.exec(text);
  if (match === null) return undefined;
  const value = match[1] === '' ? 0 : Number(match[1]);
  return value <= ID_MAX ? value : undefined;
}
