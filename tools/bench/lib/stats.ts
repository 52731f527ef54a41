/** Shared by the benchmarks: medians, the machine's load, a clean environment, the repository. */
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** "load 1.23 0.98 0.80 on 2 CPUs": printed with every result, since the machine is shared. */
export function loadLine(): string {
  return `load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} on ${cpus().length} CPUs`;
}

/**
 * The environment for processes whose start-up is measured: without
 * NODE_EXTRA_CA_CERTS, which makes every Node start load certificates
 * (about 40 ms). Each benchmark says in its output that it is unset.
 */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const { NODE_EXTRA_CA_CERTS: _unset, ...env } = process.env;
  return { ...env, ...extra };
}

/** The repository: the benchmark runs from a bundle in a temporary directory, so look from the working directory up. */
export function repositoryRoot(): string {
  for (let dir = process.cwd(); dir !== '/'; dir = resolve(dir, '..')) if (existsSync(join(dir, 'nx.json'))) return dir;
  throw new Error('run this from inside the mailfront-ts repository');
}

/** A value of --name N on the command line. */
export function numberOption(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
}

export const fixed = (n: number, digits = n < 10 ? 2 : n < 100 ? 1 : 0) => n.toFixed(digits);
