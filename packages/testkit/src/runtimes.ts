/**
 * The Node runtimes to run the bundles on. The binaries support every
 * line from the floor in package.json's engines.node (22.19) on; the tests
 * run on the project's own Node (the current LTS) and on the older lines
 * that tools/runtimes/ installs through npm (22.19.0, the floor itself, and
 * 24). A Node older than the floor (Debian's /usr/bin/node 20) is used to
 * check that the binaries refuse it clearly.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '../../..');
const RUNTIMES = join(ROOT, 'tools/runtimes');

export interface Runtime {
  /** The node executable. */
  path: string;
  /** Its version, without the v: "22.19.0". */
  version: string;
}

function versionOf(path: string): string | undefined {
  const r = spawnSync(path, ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim().replace(/^v/, '') : undefined;
}

/** The floor from the root package.json, as [major, minor]. */
export function runtimeFloor(): [number, number] {
  const range: string = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).engines.node;
  const m = /^>=(\d+)\.(\d+)$/.exec(range);
  if (!m) throw new Error(`engines.node is not ">=MAJOR.MINOR": ${range}`);
  return [Number(m[1]), Number(m[2])];
}

function belowFloor(version: string): boolean {
  const [major, minor] = version.split('.').map(Number) as [number, number];
  const [floorMajor, floorMinor] = runtimeFloor();
  return major < floorMajor || (major === floorMajor && minor < floorMinor);
}

/** The Node of the test run first, then each older supported line that is installed. */
export function supportedRuntimes(): Runtime[] {
  const found: Runtime[] = [{ path: process.execPath, version: process.versions.node }];
  const lines = existsSync(RUNTIMES) ? readdirSync(RUNTIMES).sort() : [];
  for (const line of lines) {
    const path = join(RUNTIMES, line, 'node_modules/node/bin/node');
    const version = existsSync(path) ? versionOf(path) : undefined;
    if (version !== undefined && !found.some((r) => r.version === version)) found.push({ path, version });
  }
  return found;
}

/** A Node below the floor from the system directories, if the machine has one. */
export function tooOldRuntime(): Runtime | undefined {
  for (const path of ['/usr/bin/node', '/usr/local/bin/node']) {
    const version = existsSync(path) ? versionOf(path) : undefined;
    if (version !== undefined && belowFloor(version)) return { path, version };
  }
  return undefined;
}
