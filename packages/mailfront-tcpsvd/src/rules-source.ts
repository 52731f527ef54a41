/**
 * Where the per-client rules come from: a cdb (`-x`, as iprules-make and
 * ipsvd-cdb write it) or an instructions directory (`-i`). Both give the
 * entry for one key in the same three kinds (reference ucspi-qmail §2.4–2.5):
 *
 *   cdb value        directory entry (owner bits)   meaning
 *   D                neither r nor x                 deny
 *   <text>X          x                               run <text> with /bin/sh -c
 *   <lines>I         r                               instructions, NUL between lines
 *
 * tcpsvd opens the rules afresh in every connection, and iprules-make
 * replaces the cdb by rename while the service runs, so the cdb is checked
 * (one stat) for every connection and reopened when it is another file or
 * was changed: a rebuilt cdb applies to the next connection, with no
 * signal. A missing or unreadable source fails closed (RulesUnreadable:
 * the connection is dropped).
 */
import { closeSync, fstatSync, openSync, readSync, statSync, unlinkSync, type Stats } from 'node:fs';
import { CdbReader } from '@mailfront/cdb64';

export type RuleEntry = { kind: 'deny' } | { kind: 'exec'; text: string } | { kind: 'instructions'; text: string };

/** The rules could not be read at all; `reason` as tcpsvd words it. */
export class RulesUnreadable extends Error {
  override name = 'RulesUnreadable';
  constructor(readonly reason: string) {
    super(reason);
  }
}

/** One entry could not be checked (an I/O error, an empty cdb value): tcpsvd drops the connection. */
export class RuleCheckError extends Error {
  override name = 'RuleCheckError';
}

export interface RulesSource {
  /** The cdb or directory, as given. */
  readonly path: string;
  /**
   * How tcpsvd names a match (`key`, or `key,forward`; '' when nothing
   * matched) in warnings and the decision line: the key in a cdb, the
   * entry's path in a directory.
   */
  matchName(match: string): string;
  /** What the decision line puts before the match name: the cdb path and a slash. */
  readonly logPrefix: string;
  /** Readies the source for one connection; throws RulesUnreadable. */
  open(): RulesLookup;
  /** Forgets what is cached (SIGHUP). */
  forget(): void;
}

export interface RulesLookup {
  /** The entry for a key, or undefined. */
  find(key: string): RuleEntry | undefined;
}

/** An instructions file or value is a few lines; anything bigger is refused, not loaded. */
const MAX_ENTRY_BYTES = 1024 * 1024;
const OWNER_READ = 0o400;
const OWNER_WRITE = 0o200;
const OWNER_EXECUTE = 0o100;

function unreadable(e: unknown): RulesUnreadable {
  const code = (e as NodeJS.ErrnoException).code;
  const reason = code === 'ENOENT' ? 'file does not exist' : code === 'EACCES' ? 'access denied' : ((e as Error).message ?? String(e));
  return new RulesUnreadable(reason);
}

/** Bytes as the binary string every protocol string here is (one character per byte). */
const text = (bytes: Buffer) => bytes.toString('latin1');

function decodeValue(value: Buffer): RuleEntry | undefined {
  if (value.length === 0) throw new RuleCheckError('empty value in the rules cdb');
  const body = text(value.subarray(0, value.length - 1));
  switch (value[value.length - 1]) {
    case 0x44: // D
      return { kind: 'deny' };
    case 0x58: // X
      return { kind: 'exec', text: body };
    case 0x49: // I
      return { kind: 'instructions', text: body };
    default:
      // Not an ipsvd value: tcpsvd goes on to the next key.
      return undefined;
  }
}

export class CdbRules implements RulesSource {
  #reader: CdbReader | undefined;
  #identity = '';

  constructor(readonly path: string) {}

  get logPrefix(): string {
    return `${this.path}/`;
  }

  matchName(match: string): string {
    return match;
  }

  open(): RulesLookup {
    let stats: Stats;
    try {
      stats = statSync(this.path);
    } catch (e) {
      this.forget();
      throw unreadable(e);
    }
    const identity = `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeMs}:${stats.ctimeMs}`;
    if (!this.#reader || identity !== this.#identity) {
      this.forget();
      try {
        this.#reader = CdbReader.open(this.path);
      } catch (e) {
        throw unreadable(e);
      }
      this.#identity = identity;
    }
    const reader = this.#reader;
    return {
      find: (key) => {
        let value: Buffer | undefined;
        try {
          value = reader.get(Buffer.from(key, 'latin1'));
        } catch (e) {
          throw new RuleCheckError((e as Error).message);
        }
        return value === undefined ? undefined : decodeValue(value);
      },
    };
  }

  forget(): void {
    this.#reader?.close();
    this.#reader = undefined;
    this.#identity = '';
  }
}

/** Reads a whole small file; RuleCheckError when it cannot. */
function readEntryFile(path: string): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new RuleCheckError(`unable to read ${path}: ${(e as Error).message}`);
  }
  try {
    const size = fstatSync(fd).size;
    if (size > MAX_ENTRY_BYTES) throw new RuleCheckError(`${path} is larger than ${MAX_ENTRY_BYTES} bytes`);
    const buffer = Buffer.alloc(size);
    let got = 0;
    while (got < size) {
      const n = readSync(fd, buffer, got, size - got, got);
      if (n === 0) break;
      got += n;
    }
    const contents = buffer.subarray(0, got);
    // One trailing newline is dropped, as ipsvd does.
    return text(contents.at(-1) === 0x0a ? contents.subarray(0, -1) : contents);
  } finally {
    closeSync(fd);
  }
}

export class DirectoryRules implements RulesSource {
  /**
   * @param expireSeconds -t: an entry the owner may write whose last access
   *   is this old is removed and ignored (0: never).
   */
  constructor(
    readonly path: string,
    readonly expireSeconds: number,
    private readonly now: () => number = Date.now,
  ) {}

  readonly logPrefix = '';

  matchName(match: string): string {
    return match === '' ? '' : `${this.path}/${match}`;
  }

  open(): RulesLookup {
    try {
      statSync(this.path);
    } catch (e) {
      throw unreadable(e);
    }
    return { find: (key) => this.#find(key) };
  }

  forget(): void {}

  #find(key: string): RuleEntry | undefined {
    const path = `${this.path}/${key}`;
    let stats: Stats;
    try {
      stats = statSync(path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw new RuleCheckError(`unable to stat ${path}: ${(e as Error).message}`);
    }
    if (this.expireSeconds > 0 && stats.mode & OWNER_WRITE) {
      const idle = (this.now() - stats.atimeMs) / 1000;
      if (idle >= this.expireSeconds) {
        try {
          unlinkSync(path);
        } catch {
          // tcpsvd only warns; the entry is ignored either way
        }
        return undefined;
      }
    }
    if (stats.mode & OWNER_EXECUTE) return { kind: 'exec', text: readEntryFile(path) };
    if (stats.mode & OWNER_READ) return { kind: 'instructions', text: readEntryFile(path).replaceAll('\n', '\0') };
    return { kind: 'deny' };
  }
}
