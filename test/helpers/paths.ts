/** Where the built binaries of this repository are. */
import { chmodSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');

/** The bundle of a binary package (after `npm run build`). */
export function bundle(binary: string): string {
  return join(ROOT, 'packages', binary, 'dist', `${binary}.js`);
}

/**
 * A command that runs a bundle on the Node of the test run, for programs
 * that run it themselves without our PATH: the C mailfront starts a CVM
 * command module with a bare environment, so the bundle's
 * `#!/usr/bin/env node` would find /usr/bin/node, which may be older than
 * the binaries accept.
 */
export function onThisNode(binary: string, dir: string): string {
  const file = join(dir, binary);
  writeFileSync(file, `#!/bin/sh\nexec '${process.execPath}' '${bundle(binary)}' "$@"\n`);
  chmodSync(file, 0o755);
  return file;
}
