/**
 * An ipsvd instructions directory compiled into the records of the cdb that
 * `tcpsvd -x` reads, with ipsvd-cdb's encoding (reference §2.5):
 *
 *   key    the file name: an IPv4 address or prefix (1.2.3.4, 1.2.3, 1.2, 1),
 *          a host name or suffix (mail.example.org, example.org), or 0
 *   value  D                          owner may neither read nor execute: deny
 *          <contents>X                owner may execute: run with /bin/sh -c
 *          <lines joined by NUL>I     owner may read: instructions
 *          (one trailing newline of the contents is dropped)
 *
 * Entries are written in byte order of their names, so the same directory
 * always gives the same file (ipsvd-cdb follows readdir order; tcpsvd looks
 * every key up by name, so the order changes nothing it does).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isHostName, isOctet } from './addresses.js';
import { checkInstructions, instructionsValue, type Forward } from './ipsvd-instructions.js';
import { quote, type Problems } from './problems.js';

export type CdbRecord = readonly [Buffer, Buffer];

const OWNER_READ = 0o400;
const OWNER_EXECUTE = 0o100;
/** An instructions file is a few lines; anything this big is a mistake (a log file dropped in). */
export const MAX_ENTRY_BYTES = 1024 * 1024;

/** The directory itself could not be read: a system problem, not a rules problem. */
export class RulesReadError extends Error {
  override name = 'RulesReadError';
}

/** Whether tcpsvd can ever look this name up: an IPv4 address or prefix, a host name, or 0. */
export function isEntryName(name: string): boolean {
  const labels = name.split('.');
  if (labels.every((label) => /^[0-9]+$/.test(label))) return labels.length <= 4 && labels.every(isOctet);
  return isHostName(name);
}

export function compileIpsvdDirectory(dir: string, problems: Problems): CdbRecord[] {
  let names: string[];
  try {
    names = readdirSync(dir).sort(byBytes);
  } catch (e) {
    throw new RulesReadError(`unable to read directory ${dir}: ${(e as Error).message}`);
  }
  const present = new Set(names);
  const records: CdbRecord[] = [];
  for (const name of names) {
    const file = join(dir, name);
    if (name.startsWith('.')) {
      // As ipsvd-cdb 1.0.0: editors' swap files and our own temporary files live here.
      problems.warn(file, undefined, 'ignored: names starting with a dot are never looked up');
      continue;
    }
    if (!isEntryName(name)) {
      problems.error(file, undefined, `bad file name ${quote(name)}: expected an IPv4 address or prefix without trailing dot (10.1.2), a host name, or 0`);
      continue;
    }
    const value = entryValue(file, problems, (forward) => {
      if (!present.has(forward.entry) || forward.entry.startsWith('.')) {
        problems.warn(file, forward.line, `forwards to ${quote(forward.entry)}, which does not exist: tcpsvd will deny these clients`);
      }
    });
    if (value) records.push([Buffer.from(name, 'latin1'), value]);
  }
  return records;
}

function entryValue(file: string, problems: Problems, checkForward: (f: Forward) => void): Buffer | undefined {
  let mode: number;
  let size: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) {
      problems.error(file, undefined, st.isDirectory() ? 'is a directory' : 'is not a regular file');
      return undefined;
    }
    ({ mode, size } = st);
  } catch (e) {
    problems.error(file, undefined, `unable to stat: ${(e as Error).message}`);
    return undefined;
  }
  if ((mode & (OWNER_READ | OWNER_EXECUTE)) === 0) return Buffer.from('D');
  if (size > MAX_ENTRY_BYTES) {
    problems.error(file, undefined, `larger than ${MAX_ENTRY_BYTES} bytes`);
    return undefined;
  }
  let text: string;
  try {
    text = readFileSync(file, 'latin1');
  } catch (e) {
    problems.error(file, undefined, `unable to read: ${(e as Error).message}`);
    return undefined;
  }
  if (text.endsWith('\n')) text = text.slice(0, -1);
  if (mode & OWNER_EXECUTE) {
    if (text.includes('\0')) {
      problems.error(file, undefined, 'NUL byte in the command');
      return undefined;
    }
    if (text.trim() === '') problems.warn(file, undefined, 'executable but empty: tcpsvd will run an empty command and close the connection');
    return Buffer.from(text + 'X', 'latin1');
  }
  const before = problems.errors;
  checkInstructions(text, file, problems).forEach(checkForward);
  return problems.errors === before ? instructionsValue(text) : undefined;
}

/** Byte order of names (what a C program sorting with strcmp gets). */
function byBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
