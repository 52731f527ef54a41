/**
 * The system's user accounts, for addresses that users/cdb does not list.
 * Node has no getpwnam, so the passwd file is read (and re-read when it
 * changes); accounts that only an NSS module such as LDAP knows are not
 * found. NIS compatibility lines (+, -) are skipped.
 */
import { WatchedFile, type WatchOptions } from './watched-file.js';

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  gecos: string;
  home: string;
  shell: string;
}

export function parsePasswd(contents: Buffer | undefined): ReadonlyMap<string, PasswdEntry> {
  const entries = new Map<string, PasswdEntry>();
  if (contents === undefined) return entries;
  for (const line of contents.toString('utf8').split('\n')) {
    const fields = line.split(':');
    if (fields.length < 7) continue;
    const [name, , uid, gid, gecos, home, shell] = fields as [string, string, string, string, string, string, string];
    if (name === '' || name.startsWith('+') || name.startsWith('-')) continue;
    if (!/^[0-9]+$/.test(uid) || !/^[0-9]+$/.test(gid)) continue;
    // getpwnam returns the first entry of a name.
    if (!entries.has(name)) entries.set(name, { name, uid: Number(uid), gid: Number(gid), gecos, home, shell });
  }
  return entries;
}

export class PasswdFile {
  readonly #file: WatchedFile<ReadonlyMap<string, PasswdEntry>>;

  constructor(path = '/etc/passwd', options: WatchOptions = {}) {
    this.#file = new WatchedFile(path, parsePasswd, options);
  }

  /** The entry of exactly this name (case matters, as in getpwnam). */
  getpwnam(name: string): PasswdEntry | undefined {
    return this.#file.get().get(name);
  }
}
