/**
 * A file whose parsed contents are kept until the file changes: every get()
 * stat()s it and re-reads it only when its inode, modification time or
 * size changed, or it appeared or disappeared. A long-running server so
 * picks up an edited control file on the next request, without a restart
 * or a signal, at the price of one stat per use.
 *
 * A missing file, or a directory where the file should be, is "absent"
 * (parse receives undefined). Any other error (permission denied, I/O)
 * is thrown: it must not be mistaken for an empty file.
 */
import { readFileSync, statSync, type Stats } from 'node:fs';

/** Files larger than this are refused rather than read into memory. */
export const WATCHED_FILE_MAX_BYTES = 64 * 1024 * 1024;

export class FileTooLargeError extends Error {
  override name = 'FileTooLargeError';
}

export class WatchedFile<T> {
  #identity: string | undefined;
  #value: T | undefined;
  #loaded = false;

  constructor(
    readonly path: string,
    private readonly parse: (contents: Buffer | undefined) => T,
  ) {}

  /** The current parsed contents. */
  get(): T {
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
