/**
 * Node's module compile cache for the binaries (module.enableCompileCache):
 * V8's code for the bundle is kept on disk, so a program started per
 * connection does not compile its 200-odd kilobytes again each time.
 *
 * The launcher at the top of each bundle (tools/build-bin.mjs) calls
 * startCompileCache() before it imports the rest of the program, since
 * only modules compiled after the call use the cache.
 *
 * Where: MAILFRONT_COMPILE_CACHE names the directory; `off` (or an empty
 * value) turns the cache off. By default it is
 * `$TMPDIR/mailfront-compile-cache-UID` (TMPDIR, else /tmp), one per user,
 * since the programs run as different users (qmaild, vpopmail, …).
 *
 * V8 trusts the code it finds there, so a directory is used only when it is
 * safe: a real directory (not a symbolic link), owned by our effective uid,
 * writable by nobody else, on an ordinary file system. Never /proc or /sys:
 * on Node 22 and 24 a directory under /proc makes enableCompileCache spin
 * for ever. A missing one is created with mode 0700 (if another user
 * created it first, it is theirs, and the cache stays off). Whatever is
 * wrong, and a directory Node cannot write, only leave the cache off: it is
 * an optimisation, never a reason not to start. Node's own variables still
 * apply: NODE_COMPILE_CACHE (Node enables the cache itself, there) and
 * NODE_DISABLE_COMPILE_CACHE (off).
 */
import { lstatSync, mkdirSync, statfsSync } from 'node:fs';
import * as nodeModule from 'node:module';
import { join } from 'node:path';
import type { Env } from './env.js';

/** File system types a cache must never be put on (statfs f_type). */
const PSEUDO_FILE_SYSTEMS = new Set([0x9fa0 /* proc */, 0x62656572 /* sysfs */, 0x1cd1 /* devpts */, 0x27e0eb /* cgroup */, 0x63677270 /* cgroup2 */]);

export type CompileCacheOutcome =
  | { status: 'enabled'; directory: string }
  | { status: 'off'; reason: string };

/** The directory to use, or why there is none; creates the default one if missing. */
export function compileCacheDirectory(env: Env, uid: number): CompileCacheOutcome {
  const setting = env.MAILFRONT_COMPILE_CACHE;
  if (setting !== undefined && (setting === '' || setting === 'off')) return { status: 'off', reason: 'MAILFRONT_COMPILE_CACHE is off' };
  const directory = setting ?? join(env.TMPDIR || '/tmp', `mailfront-compile-cache-${uid}`);
  if (!directory.startsWith('/')) return { status: 'off', reason: `${directory} is not an absolute path` };
  try {
    mkdirSync(directory, { mode: 0o700 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') return { status: 'off', reason: `cannot create ${directory}: ${(e as Error).message}` };
  }
  let stats;
  try {
    stats = lstatSync(directory);
    if (PSEUDO_FILE_SYSTEMS.has(statfsSync(directory).type)) return { status: 'off', reason: `${directory} is not on an ordinary file system` };
  } catch (e) {
    return { status: 'off', reason: (e as Error).message };
  }
  if (!stats.isDirectory()) return { status: 'off', reason: `${directory} is not a directory` };
  if (stats.uid !== uid) return { status: 'off', reason: `${directory} belongs to uid ${stats.uid}, not ${uid}` };
  if ((stats.mode & 0o022) !== 0) return { status: 'off', reason: `${directory} is writable by others` };
  return { status: 'enabled', directory };
}

interface CompileCacheApi {
  enableCompileCache?: (directory: string) => { status: number; message?: string };
  constants?: { compileCacheStatus?: Record<string, number> };
  flushCompileCache?: () => void;
}

/** Turns the cache on for this process, when it can be; never throws. */
export function startCompileCache(env: Env, uid = process.geteuid?.() ?? 0): CompileCacheOutcome {
  const api = nodeModule as unknown as CompileCacheApi;
  if (typeof api.enableCompileCache !== 'function') return { status: 'off', reason: 'this Node has no compile cache' };
  if (env.NODE_DISABLE_COMPILE_CACHE) return { status: 'off', reason: 'NODE_DISABLE_COMPILE_CACHE is set' };
  if (env.NODE_COMPILE_CACHE) return { status: 'enabled', directory: env.NODE_COMPILE_CACHE };
  const chosen = compileCacheDirectory(env, uid);
  if (chosen.status === 'off') return chosen;
  try {
    const result = api.enableCompileCache(chosen.directory);
    const { FAILED = 0, DISABLED = 3 } = api.constants?.compileCacheStatus ?? {};
    if (result.status === FAILED || result.status === DISABLED) return { status: 'off', reason: result.message ?? 'Node did not enable it' };
  } catch (e) {
    return { status: 'off', reason: (e as Error).message };
  }
  return chosen;
}

/** Writes what the cache gained to disk now: exec replaces the process before Node would at exit. */
export function flushCompileCache(): void {
  try {
    (nodeModule as unknown as CompileCacheApi).flushCompileCache?.();
  } catch {
    // an optimisation: nothing to report
  }
}
