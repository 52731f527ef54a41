/**
 * The small C helpers of the benchmarks (tools/bench/lib/NAME.c), compiled
 * on first use, and again when the source changed, into tools/bench/.cache.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export function cTool(root: string, name: string): string {
  const source = join(root, 'tools/bench/lib', `${name}.c`);
  const cache = join(root, 'tools/bench/.cache');
  const binary = join(cache, name);
  if (!existsSync(binary) || statSync(binary).mtimeMs < statSync(source).mtimeMs) {
    mkdirSync(cache, { recursive: true });
    execFileSync('cc', ['-O2', '-o', binary, source]);
  }
  return binary;
}
