import { readdirSync } from 'node:fs';

/** Everything in a directory, hidden files (our temporary files) included, sorted. */
export function listDir(dir: string): string[] {
  return readdirSync(dir).sort();
}
