/** Where the built binaries of this repository are. */
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');

/** The bundle of a binary package (after `npm run build`). */
export function bundle(binary: string): string {
  return join(ROOT, 'packages', binary, 'dist', `${binary}.js`);
}
