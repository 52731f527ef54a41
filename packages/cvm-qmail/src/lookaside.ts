/**
 * CVM_QMAIL_LOOKASIDE: an address whose .qmail file pipes to one of the
 * listed programs belongs to another module (vdeliver: vmailmgr). Lines
 * are `|program args`, blanks allowed before and after the bar; only the
 * first word is compared, so `|preline /usr/bin/vdeliver` does not match.
 */
import { closeSync, openSync, readSync } from 'node:fs';

/** Only the start of a .qmail file is read; a delivery program line belongs there. */
export const LOOKASIDE_READ_MAX = 64 * 1024;

const PIPE_LINE = /^[ \t\v\f\r]*\|[ \t\v\f\r]*([^ \t\v\f\r]*)/;

export function pipesToOneOf(dotQmail: string, programs: readonly string[]): boolean {
  for (const line of readStart(dotQmail).split('\n')) {
    const program = PIPE_LINE.exec(line)?.[1];
    if (program !== undefined && programs.includes(program)) return true;
  }
  return false;
}

function readStart(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(LOOKASIDE_READ_MAX);
    let length = 0;
    for (let n = -1; n !== 0 && length < buffer.length; length += n) n = readSync(fd, buffer, length, buffer.length - length, null);
    return buffer.subarray(0, length).toString('utf8');
  } finally {
    closeSync(fd);
  }
}
