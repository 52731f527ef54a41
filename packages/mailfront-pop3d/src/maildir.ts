/**
 * Reading a Maildir the way pop3front-maildir does (reference §7.3):
 * `cur/` then `new/`, names starting with `.` and directories skipped, each directory and
 * the total capped by MAX_CUR_MESSAGES, MAX_NEW_MESSAGES and MAX_MESSAGES,
 * then sorted by name (by leading number when both names start with a
 * digit, else byte-wise; ties byte-wise, where the C sort is undefined).
 *
 * A message is a few small fields; its contents are never read here. The
 * size comes from the name (`,W=` else `,S=`) or from stat, which is all
 * LIST needs for a mailbox of any size.
 */
import { opendirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { MaildirLimits } from './config.js';

export interface Message {
  /** 'cur' or 'new'. */
  dir: 'cur' | 'new';
  name: string;
  uid: string;
  size: number;
  /** The name carries `:2,` info with S, or RETR sent it in this session. */
  read: boolean;
  deleted: boolean;
  /** Gone between readdir and stat (another session took it): stays deleted. */
  missing?: boolean;
}

/** UIDL allows 70 characters. */
export const UID_MAX = 70;

/** The unique id: the name up to `:`, and up to a `,` that starts a `,X=` size field. */
export function uidOf(name: string): string {
  let uid = name;
  const colon = uid.indexOf(':');
  if (colon !== -1) uid = uid.slice(0, colon);
  const comma = uid.indexOf(',');
  if (comma !== -1 && /^,[A-Za-z]=/.test(uid.slice(comma))) uid = uid.slice(0, comma);
  return uid.slice(0, UID_MAX);
}

/** The size a name declares: `,W=` (with CRLF) first, else `,S=`. */
export function sizeFromName(name: string): number | undefined {
  const base = name.split(':')[0]!;
  const w = /,W=([0-9]+)/.exec(base);
  const s = /,S=([0-9]+)/.exec(base);
  const text = w?.[1] ?? s?.[1];
  return text === undefined ? undefined : Number(text);
}

/** Maildir info `:2,FLAGS` containing S (seen). */
export function isSeen(name: string): boolean {
  const colon = name.indexOf(':2,');
  return colon !== -1 && name.slice(colon + 3).includes('S');
}

function leadingNumber(name: string): number {
  return Number(/^[0-9]+/.exec(name)![0]);
}

function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'latin1'), Buffer.from(b, 'latin1'));
}

export function compareNames(a: string, b: string): number {
  if (/^[0-9]/.test(a) && /^[0-9]/.test(b)) {
    const diff = leadingNumber(a) - leadingNumber(b);
    if (diff !== 0) return diff;
  }
  return byteOrder(a, b);
}

/** The names in directory order (what readdir(3) gives, as the caps in C apply to it; readdirSync would sort). */
function listDir(maildir: string, dir: 'cur' | 'new', cap: number): string[] {
  const names: string[] = [];
  const handle = opendirSync(join(maildir, dir), { encoding: 'latin1', bufferSize: 256 });
  try {
    for (let entry = handle.readSync(); entry !== null; entry = handle.readSync()) {
      // A directory (left by a broken delivery agent or a user) is not a message.
      if (entry.name.startsWith('.') || entry.isDirectory()) continue;
      if (cap > 0 && names.length >= cap) break;
      names.push(entry.name);
    }
  } finally {
    handle.closeSync();
  }
  return names;
}

/** Throws when cur/ or new/ cannot be read ("Could not access maildir"). */
export function scanMaildir(maildir: string, limits: MaildirLimits): Message[] {
  const found: Array<{ dir: 'cur' | 'new'; name: string }> = [];
  for (const [dir, cap] of [['cur', limits.maxCur], ['new', limits.maxNew]] as const) {
    for (const name of listDir(maildir, dir, cap)) {
      if (limits.maxMessages > 0 && found.length >= limits.maxMessages) break;
      found.push({ dir, name });
    }
  }
  found.sort((a, b) => compareNames(a.name, b.name));
  return found.map(({ dir, name }) => {
    let size = sizeFromName(name);
    if (size === undefined) {
      try {
        size = statSync(join(maildir, dir, name)).size;
      } catch {
        // Gone since the scan (another session): hidden, as in pop3front-maildir.
        return { dir, name, uid: uidOf(name), size: 0, read: false, deleted: true, missing: true };
      }
    }
    return { dir, name, uid: uidOf(name), size, read: isSeen(name), deleted: false };
  });
}
