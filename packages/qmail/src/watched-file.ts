/**
 * A file whose parsed contents are kept until the file changes: get()
 * stat()s it (at most once a second, see core's recheck.ts) and re-reads it
 * only when its inode, modification time or size changed, or it appeared
 * or disappeared. A long-running server so picks up an edited control file
 * within a second, without a restart or a signal, and a session with many
 * recipients does not pay a stat for each.
 *
 * A missing file, or a directory where the file should be, is "absent"
 * (parse receives undefined). Any other error (permission denied, I/O)
 * is thrown: it must not be mistaken for an empty file.
 */
import { readFileSync, statSync, type Stats } from 'node:fs';
import { RecheckTimer, type Clock } from '@mailfront/core';

/** Files larger than this are refused rather than read into memory. */
export const WATCHED_FILE_MAX_BYTES = 64 * 1024 * 1024;

export class FileTooLargeError extends Error {
  override name = 'FileTooLargeError';
}

export interface WatchOptions {
  /** The clock of the once-a-second check (tests pass their own). */
  clock?: Clock;
}

export class WatchedFile<T> {
  #identity: string | undefined;
  #value: T | undefined;
  #loaded = false;
  readonly #recheck: RecheckTimer;

  constructor(
    readonly path: string,
    private readonly parse: (contents: Buffer | undefined) => T,
    options: WatchOptions = {},
  ) {
    this.#recheck = new RecheckTimer(undefined, options.clock);
  }

  /** The current parsed contents. */
  get(): T {
    if (!this.#recheck.due() && this.#loaded) return this.#value as T;
    const stats = statOrAbsent(this.path);
    const identity = stats === undefined ? 'absent' : `${stats.ino}:${stats.mtimeMs}:${stats.size}`;
    if (!this.#loaded || identity !== this.#identity) {
      this.#value = this.parse(stats === undefined ? undefined : read(this.path, stats));
      this.#identity = identity;
      this.#loaded = true;
    }
    return this.#value as T;
  }
}

function statOrAbsent(path: string): Stats | undefined {
  try {
    const stats = statSync(path);
    return stats.isDirectory() ? undefined : stats;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw e;
  }
}

function read(path: string, stats: Stats): Buffer {
  if (stats.size > WATCHED_FILE_MAX_BYTES) throw new FileTooLargeError(`${path} is larger than ${WATCHED_FILE_MAX_BYTES} bytes`);
  return readFileSync(path);
}
