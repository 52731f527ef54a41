/**
 * A writer sink that keeps the database in memory, for buildCdb() and tests.
 * Grows by doubling, so building a database of n bytes copies O(n) bytes.
 */
import type { CdbSink } from './atomic-file.js';

const INITIAL_SIZE = 64 * 1024;

export class MemorySink implements CdbSink {
  private data = Buffer.alloc(INITIAL_SIZE);
  private length = 0;

  write(bytes: Uint8Array, position: number): void {
    const end = position + bytes.length;
    if (end > this.data.length) {
      let size = this.data.length;
      while (size < end) size *= 2;
      const bigger = Buffer.alloc(size);
      this.data.copy(bigger, 0, 0, this.length);
      this.data = bigger;
    }
    this.data.set(bytes, position);
    this.length = Math.max(this.length, end);
  }

  commit(): void {}

  abort(): void {
    this.data = Buffer.alloc(0);
    this.length = 0;
  }

  /** The bytes written so far (the whole database once the writer has finished). */
  contents(): Buffer {
    return Buffer.from(this.data.subarray(0, this.length));
  }
}
