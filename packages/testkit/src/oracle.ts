/**
 * The C originals (mailfront, cvm, ucspi-tcp, ipsvd, tinycdb, swaks) are the
 * oracles of the differential and interop tests. On a developer machine
 * without them those tests are skipped with a note; under CI (CI set, as
 * .ci/run installs them) a missing oracle is a failure, so that a broken
 * install can never turn the interop suite silently green.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * Where Debian installs the C programs. The oracles are looked up here and
 * only here: under npm scripts PATH starts with node_modules/.bin, which
 * holds our own cvm-qmail, rblsmtpd, … under the same names, and a
 * differential test must never compare ours with ours.
 */
export const SYSTEM_DIRS = ['/usr/sbin', '/usr/bin', '/sbin', '/bin', '/usr/local/sbin', '/usr/local/bin'];

/** The absolute path of an executable, looked up in PATH and the system dirs. */
export function findTool(name: string, path = process.env.PATH ?? ''): string | undefined {
  if (name.includes('/')) return isExecutable(name) ? name : undefined;
  for (const dir of [...path.split(delimiter).filter(Boolean), ...SYSTEM_DIRS]) {
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The part of a tap Test that requireOracles uses. */
export interface SkipOrFail {
  pass(message: string, extra: { skip: string }): unknown;
  fail(message: string): unknown;
}

/**
 * Finds the named oracle programs. Returns their paths, or undefined after
 * skipping the test (developer machine) or failing it (CI).
 */
export function requireOracles<N extends string>(
  t: SkipOrFail,
  names: readonly N[],
  env: NodeJS.ProcessEnv = process.env,
): Record<N, string> | undefined {
  const found = {} as Record<N, string>;
  const missing: string[] = [];
  for (const name of names) {
    const file = findTool(name, SYSTEM_DIRS.join(delimiter));
    if (file) found[name] = file;
    else missing.push(name);
  }
  if (missing.length === 0) return found;
  const message = `C oracle not installed: ${missing.join(', ')} (apt-get install mailfront cvm ucspi-tcp ipsvd tinycdb swaks)`;
  if (env.CI) t.fail(message);
  else t.pass('interop test', { skip: message });
  return undefined;
}
