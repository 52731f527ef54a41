/**
 * A cdb that is reopened when it is replaced (qmail-newu and
 * qmail-newmrh publish a new file by rename), checked with a stat at most
 * once a second, like WatchedFile. A missing file is undefined.
 */
import { statSync } from 'node:fs';
import { CdbReader } from '@mailfront/cdb64';
import { RecheckTimer } from '@mailfront/core';
import type { WatchOptions } from './watched-file.js';

export class WatchedCdb {
  #identity: string | undefined;
  #reader: CdbReader | undefined;
  readonly #recheck: RecheckTimer;

  constructor(
    readonly path: string,
    options: WatchOptions = {},
  ) {
    this.#recheck = new RecheckTimer(undefined, options.clock);
  }

  get(): CdbReader | undefined {
    if (!this.#recheck.due() && this.#identity !== undefined) return this.#reader;
    let identity = 'absent';
    try {
      const stats = statSync(this.path);
      identity = `${stats.ino}:${stats.mtimeMs}:${stats.size}`;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    if (identity !== this.#identity) {
      this.#reader?.close();
      this.#reader = undefined;
      this.#identity = undefined;
      if (identity !== 'absent') this.#reader = CdbReader.open(this.path);
      this.#identity = identity;
    }
    return this.#reader;
  }

  close(): void {
    this.#reader?.close();
    this.#reader = undefined;
    this.#identity = undefined;
  }
}
