/**
 * The temporary message file of NEED_FILE (mailfront's `$TMPDIR/mailfront.tmp.*`).
 *
 * The file is created with mode 0600 and unlinked at once, so a crash never
 * leaves message contents lying around. Two descriptors are kept: one for
 * appending, and one for reading that is never moved (reads are positional),
 * so it can be handed to a child process (qmail-queue) as its stdin at
 * offset 0 — Node has no lseek.
 *
 * On Linux the file is made with O_TMPFILE where $TMPDIR's filesystem
 * allows it: it never has a name, so there is no random name to draw, no
 * directory entry to add and remove, and nothing to leave behind; the
 * reading descriptor is opened through /proc/self/fd. Elsewhere, or when
 * that fails, it is a named file unlinked at once, as before. (In a
 * mailfront-tcpsvd worker these two files, message and envelope, were a
 * fifth of the CPU of a message with the qmail backend.)
 */
import { closeSync, constants, fstatSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { lazyCrypto } from '@mailfront/core';
import { join } from 'node:path';
import { createReadStream, type ReadStream } from 'node:fs';

/**
 * Linux's O_TMPFILE (__O_TMPFILE | O_DIRECTORY) with O_RDWR, on the
 * architectures Node supports there (alpha, parisc and sparc number it
 * otherwise); undefined elsewhere.
 */
const O_TMPFILE = process.platform === 'linux' && constants.O_DIRECTORY !== undefined ? 0o20000000 | constants.O_DIRECTORY | constants.O_RDWR : undefined;

export class MessageFile {
  readonly writeFd: number;
  /** Positioned at 0 and never read through: safe to give a child as stdin. */
  readonly readFd: number;
  #closed = false;

  private constructor(writeFd: number, readFd: number) {
    this.writeFd = writeFd;
    this.readFd = readFd;
  }

  /** Throws if the file cannot be made (the engine answers 451 then). */
  static create(tmpdir: string): MessageFile {
    return (O_TMPFILE !== undefined && MessageFile.#unnamed(tmpdir, O_TMPFILE)) || MessageFile.#named(tmpdir);
  }

  /** An O_TMPFILE file, or undefined when the system or the filesystem cannot make one (then a named file is made). */
  static #unnamed(tmpdir: string, flags: number): MessageFile | undefined {
    let writeFd: number;
    try {
      writeFd = openSync(tmpdir, flags, 0o600);
    } catch {
      return undefined;
    }
    try {
      return new MessageFile(writeFd, openSync(`/proc/self/fd/${writeFd}`, 'r'));
    } catch {
      closeSync(writeFd);
      return undefined;
    }
  }

  static #named(tmpdir: string): MessageFile {
    const path = join(tmpdir, `mailfront.tmp.${process.pid}.${lazyCrypto().randomBytes(6).toString('hex')}`);
    const writeFd = openSync(path, 'wx', 0o600);
    let readFd: number;
    try {
      readFd = openSync(path, 'r');
    } catch (e) {
      closeSync(writeFd);
      unlinkSync(path);
      throw e;
    }
    unlinkSync(path);
    return new MessageFile(writeFd, readFd);
  }

  get size(): number {
    return fstatSync(this.writeFd).size;
  }

  append(bytes: Buffer): void {
    for (let off = 0; off < bytes.length; ) off += writeSync(this.writeFd, bytes, off);
  }

  /** Reads `length` bytes at `position` (fewer at the end of the file). */
  read(position: number, length: number): Buffer {
    const buffer = Buffer.allocUnsafe(length);
    let got = 0;
    while (got < length) {
      const n = readSync(this.readFd, buffer, got, length - got, position + got);
      if (n === 0) break;
      got += n;
    }
    return buffer.subarray(0, got);
  }

  /** The whole file as a stream of chunks, from the start. */
  stream(): ReadStream {
    return createReadStream('', { fd: this.readFd, start: 0, autoClose: false });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    closeSync(this.writeFd);
    closeSync(this.readFd);
  }
}
