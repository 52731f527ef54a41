/**
 * The patterns file (reference §5.12).
 *
 * Lines are right-trimmed and empty ones skipped; the first byte says what
 * the line is:
 *
 *   #   a comment
 *   =   the response text for the patterns after it
 *   :   a pattern for header lines only
 *   \   a pattern for the first non-empty line after an empty line only
 *   /   a normal pattern (every non-empty line); the `/` is not part of it
 *   any other byte starts a normal pattern, and is part of it
 *
 * mailfront 2.12 removes the first byte of every normal pattern, whatever
 * it is (upstream files write them `/pattern`). Keeping `/` as the marker
 * keeps such files working unchanged, while a pattern written without a
 * marker no longer loses its first byte.
 */
import { readFileSync, statSync } from 'node:fs';
import { RecheckTimer, type Clock } from '@mailfront/core';
import { compileGlob, type Glob } from '../mailrules/glob.js';

export type PatternScope = 'header' | 'after-blank' | 'normal';

export interface Pattern {
  readonly scope: PatternScope;
  readonly glob: Glob;
  /** The `=` text in force; undefined: PATTERNS_RESP or the default. */
  readonly response: string | undefined;
}

/** Patterns files larger than this are refused. */
export const PATTERNS_MAX_BYTES = 4 * 1024 * 1024;
/** Pattern lines longer than this are ignored with a warning (they bound the matching cost). */
export const PATTERN_MAX_LENGTH = 4096;

const TRAILING_BLANKS = /[ \t\n\v\f\r]+$/;

export function parsePatterns(contents: string, warn: (message: string) => void): Pattern[] {
  const patterns: Pattern[] = [];
  let response: string | undefined;
  const lines = contents.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!.replace(TRAILING_BLANKS, '');
    if (line === '' || line[0] === '#') continue;
    if (line[0] === '=') {
      response = line.slice(1);
      continue;
    }
    if (line.length > PATTERN_MAX_LENGTH) {
      warn(`line ${n + 1} is longer than ${PATTERN_MAX_LENGTH} bytes, ignored`);
      continue;
    }
    const scope: PatternScope = line[0] === ':' ? 'header' : line[0] === '\\' ? 'after-blank' : 'normal';
    const text = scope !== 'normal' || line[0] === '/' ? line.slice(1) : line;
    patterns.push({ scope, glob: compileGlob(text), response });
  }
  return patterns;
}

/**
 * The patterns of one file, read again only when the file changed (looked
 * at at most once a second, not once per message). A file that cannot be
 * read keeps what was read before, as in mailfront, and the reason is
 * returned for the log, for every message until the file is looked at again.
 */
export class PatternsSource {
  #name: string | undefined;
  #identity = '';
  #patterns: Pattern[] = [];
  /** The name last looked at, and why it could not be read (undefined: it could). */
  #lookedAt: string | undefined;
  #error: unknown;
  readonly #recheck: RecheckTimer;

  constructor(clock?: Clock) {
    this.#recheck = new RecheckTimer(undefined, clock);
  }

  load(name: string, warn: (message: string) => void): { patterns: Pattern[]; error?: unknown } {
    if (this.#recheck.due() || name !== this.#lookedAt) {
      this.#lookedAt = name;
      this.#error = this.#read(name, warn);
    }
    return this.#error === undefined ? { patterns: this.#patterns } : { patterns: this.#patterns, error: this.#error };
  }

  /** Reads the file if it changed; returns why it could not be read. */
  #read(name: string, warn: (message: string) => void): unknown {
    try {
      const path = Buffer.from(name, 'latin1');
      const stats = statSync(path);
      const identity = `${stats.dev}:${stats.ino}:${stats.mtimeMs}:${stats.size}`;
      if (name !== this.#name || identity !== this.#identity) {
        if (!stats.isFile()) throw Object.assign(new Error('Not a regular file'), { code: stats.isDirectory() ? 'EISDIR' : undefined });
        if (stats.size > PATTERNS_MAX_BYTES) throw new Error(`larger than ${PATTERNS_MAX_BYTES} bytes`);
        this.#patterns = parsePatterns(readFileSync(path).toString('latin1'), warn);
        this.#name = name;
        this.#identity = identity;
      }
      return undefined;
    } catch (error) {
      return error;
    }
  }
}
