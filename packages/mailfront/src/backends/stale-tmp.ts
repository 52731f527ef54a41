/**
 * Stale files in a queue directory's tmp/. A session killed while it wrote a
 * message (kill -9, a crash, a power cut) leaves its unfinished file there,
 * and nothing else would ever remove it. As qmail does for its own queue, an
 * entry of tmp/ not modified for 36 hours is removed: no message takes that
 * long to arrive.
 *
 * The sweep runs when a message starts, in the background, at most once an
 * hour per process and directory, so it costs one readdir per hour for a
 * long-lived process and one per session in exec mode (where the directory
 * is small). The time of the last sweep is the only state kept across
 * sessions; it is per process, like a cache.
 */
import { lstat, opendir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@mailfront/core';

/** Age after which a file in tmp/ is abandoned (qmail's 36 hours). */
export const STALE_AGE_MS = 36 * 3600_000;
/** A directory is swept at most this often by one process. */
export const SWEEP_INTERVAL_MS = 3600_000;

const lastSweep = new Map<string, number>();

/** Starts a sweep of `dir` unless this process swept it in the last hour; resolves when done (never rejects). */
export function sweepStaleFiles(dir: string, log: Logger, now = Date.now()): Promise<void> {
  const last = lastSweep.get(dir);
  if (last !== undefined && now - last < SWEEP_INTERVAL_MS) return Promise.resolve();
  lastSweep.set(dir, now);
  return sweep(dir, log, now);
}

async function sweep(dir: string, log: Logger, now: number): Promise<void> {
  let removed = 0;
  try {
    for await (const entry of await opendir(dir)) {
      if (entry.isDirectory()) continue;
      const path = join(dir, entry.name);
      try {
        if (now - (await lstat(path)).mtimeMs > STALE_AGE_MS) {
          await unlink(path);
          removed++;
        }
      } catch {
        // Finished or removed by another session meanwhile.
      }
    }
  } catch (e) {
    log.warn(`cannot sweep ${dir}: ${(e as Error).message}`);
    return;
  }
  if (removed > 0) log.info(`removed ${removed} stale file${removed === 1 ? '' : 's'} (over 36 hours old) from ${dir}`);
}
