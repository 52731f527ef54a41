/**
 * Atomic publication of a file, the way every djb-style builder publishes a
 * cdb: write a temporary file in the same directory (so rename cannot cross
 * a file system), fsync it, close it, and rename it over the final name.
 *
 * Readers that open the final name therefore see either the old file or the
 * complete new one, never a half-written file; on error or abort the
 * temporary file is removed and the old file is left as it was. A crash
 * (SIGKILL, power loss) can leave a stray temporary file behind, never a
 * damaged final one; the temporary names are unique, so the next run is not
 * disturbed by it.
 */
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';

/** Where a writer's bytes go: written at explicit positions, then kept (commit) or dropped (abort). */
export interface CdbSink {
  write(data: Uint8Array, position: number): void;
  commit(): void;
  /** Drops everything written; must not throw and may be called more than once. */
  abort(): void;
}

export interface AtomicFileOptions {
  /** Permission bits of the new file (before the umask). Default 0o644, as tinycdb's `cdb -c`. */
  mode?: number;
}

const DEFAULT_MODE = 0o644;
const RANDOM_SUFFIX_BYTES = 6;

/** node:crypto is loaded only when a cdb is written: readers (every SMTP session) must not pay its start-up cost. */
const requireBuiltin = createRequire(import.meta.url);

/** The name of a fresh temporary file beside `path`: `.NAME.PID.RANDOM.tmp`. */
export function temporaryNameFor(path: string): string {
  const { randomBytes } = requireBuiltin('node:crypto') as typeof import('node:crypto');
  const suffix = `${process.pid}.${randomBytes(RANDOM_SUFFIX_BYTES).toString('hex')}.tmp`;
  return join(dirname(path), `.${basename(path)}.${suffix}`);
}

export class AtomicFile implements CdbSink {
  readonly tempPath: string;
  private fd: number;
  private state: 'open' | 'committed' | 'aborted' = 'open';

  constructor(
    readonly path: string,
    options: AtomicFileOptions = {},
  ) {
    this.tempPath = temporaryNameFor(path);
    // 'wx' = O_CREAT|O_EXCL: never follow a planted symlink or share a file with another writer.
    this.fd = openSync(this.tempPath, 'wx', options.mode ?? DEFAULT_MODE);
  }

  write(data: Uint8Array, position: number): void {
    this.checkOpen();
    let done = 0;
    while (done < data.length) done += writeSync(this.fd, data, done, data.length - done, position + done);
  }

  /** fsync, close, rename over the final name. On failure the temporary file is removed and the error thrown. */
  commit(): void {
    this.checkOpen();
    try {
      fsyncSync(this.fd);
      this.closeFd();
      renameSync(this.tempPath, this.path);
    } catch (e) {
      this.abort();
      throw e;
    }
    this.state = 'committed';
    syncDirectory(dirname(this.path));
  }

  abort(): void {
    if (this.state !== 'open') return;
    this.state = 'aborted';
    try {
      this.closeFd();
      /* c8 ignore start: close(2) of our own descriptor does not fail in practice */
    } catch {
      // The descriptor is gone either way; removing the file is what matters.
    }
    /* c8 ignore stop */
    try {
      unlinkSync(this.tempPath);
    } catch {
      // Already gone (or never created): nothing left to clean up.
    }
  }

  private checkOpen(): void {
    if (this.state !== 'open') throw new Error(`temporary file for ${this.path} was already ${this.state}`);
  }

  private closeFd(): void {
    if (this.fd < 0) return;
    const fd = this.fd;
    this.fd = -1;
    closeSync(fd);
  }
}

/**
 * Makes the rename itself durable. Best effort: the new file is already in
 * place and complete, and some file systems refuse fsync on a directory.
 */
function syncDirectory(directory: string): void {
  try {
    const fd = openSync(directory, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    /* c8 ignore start: Linux file systems accept it; ignored elsewhere, see above */
  } catch {
    // ignored
  }
  /* c8 ignore stop */
}
