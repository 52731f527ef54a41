/**
 * Copies a fixture directory into a scratch directory, replacing
 * placeholders in the files' contents (a fixture that must name absolute
 * paths, such as a qmail users/assign, says @ROOT@ instead).
 */
import { cpSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function copyTree(from: string, to: string, replacements: Record<string, string> = {}): void {
  cpSync(from, to, { recursive: true });
  const names = Object.keys(replacements);
  if (names.length === 0) return;
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) {
        visit(path);
        continue;
      }
      const text = readFileSync(path, 'utf8');
      let replaced = text;
      for (const name of names) replaced = replaced.split(name).join(replacements[name]!);
      if (replaced !== text) writeFileSync(path, replaced);
    }
  };
  visit(to);
}
