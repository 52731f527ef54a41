/** The Markdown a user reads: README.md, every package's README and everything under docs/. */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

export function documentationFiles(root: string): string[] {
  const files = ['README.md'];
  for (const entry of readdirSync(join(root, 'packages'), { withFileTypes: true })) {
    if (entry.isDirectory() && readdirSync(join(root, 'packages', entry.name)).includes('README.md')) {
      files.push(join('packages', entry.name, 'README.md'));
    }
  }
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.md')) files.push(path);
    }
  };
  walk('docs');
  return files.sort();
}
