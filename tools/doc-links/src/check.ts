/**
 * Checks the relative links of a set of Markdown files: the file or
 * directory each one names exists, and its #anchor is a heading (or an
 * explicit anchor) of the Markdown file it points into. Links with a scheme
 * (https:, mailto:) are left alone: the check runs offline.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, relative, resolve } from 'node:path';
import { outline, type Outline } from './markdown.js';

export interface Problem {
  file: string;
  line: number;
  target: string;
  reason: string;
}

const SCHEME = /^[a-z][a-z0-9+.-]*:/i;

export function checkLinks(root: string, files: readonly string[]): Problem[] {
  const outlines = new Map<string, Outline>();
  const outlineOf = (path: string) => {
    let o = outlines.get(path);
    if (!o) outlines.set(path, (o = outline(readFileSync(path, 'utf8'))));
    return o;
  };
  const problems: Problem[] = [];
  for (const file of files) {
    const from = resolve(root, file);
    for (const { target, line } of outlineOf(from).links) {
      if (SCHEME.test(target) || target.startsWith('//')) continue;
      const report = (reason: string) => problems.push({ file: relative(root, from), line, target, reason });
      const hash = target.indexOf('#');
      const pathPart = decodeURI(hash < 0 ? target : target.slice(0, hash));
      const anchor = hash < 0 ? undefined : decodeURIComponent(target.slice(hash + 1));
      const to = pathPart === '' ? from : pathPart.startsWith('/') ? join(root, pathPart) : resolve(dirname(from), pathPart);
      if (relative(root, to).startsWith('..')) {
        report('points outside the repository');
        continue;
      }
      if (!existsSync(to)) {
        report(`${relative(root, to)} does not exist`);
        continue;
      }
      if (anchor === undefined || anchor === '') continue;
      if (statSync(to).isDirectory() || extname(to) !== '.md') {
        report(`an anchor into ${relative(root, to)}, which is not a Markdown file`);
        continue;
      }
      if (!outlineOf(to).anchors.has(anchor)) report(`${relative(root, to)} has no heading #${anchor}`);
    }
  }
  return problems;
}

export const formatProblem = (p: Problem) => `${p.file}:${p.line}: (${p.target}) ${p.reason}`;
