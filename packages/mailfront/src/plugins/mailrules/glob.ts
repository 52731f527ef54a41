/**
 * The glob of mailrules and patterns (reference §8.2, §5.12): `*` any run
 * of bytes (none included), `?` one byte, `[set]`, `[!set]` and `[^set]`,
 * with `\` taking the next byte literally inside a set only. A `]` right
 * after `[` (or `[!`) closes an empty set. Ranges (`a-z`) are not special.
 * Outside a set every other byte, `\` included, matches itself.
 *
 * As in mailfront, a set without its closing `]` makes the whole match
 * succeed as soon as it is reached with at least one byte of text left (C
 * mailfront crashes on `[\` at the end of a pattern; here that is the same
 * malformed set).
 *
 * Matching is the iterative star-backtracking algorithm: it remembers only
 * the last `*`, so the cost is at most O(pattern × text) and never
 * exponential, whatever the pattern or the address.
 */

type Token =
  | { kind: 'literal'; byte: string }
  | { kind: 'any' }
  | { kind: 'star' }
  | { kind: 'set'; bytes: string; negated: boolean }
  | { kind: 'malformed' };

export interface Glob {
  readonly source: string;
  /** Whether the whole of `text` matches. */
  matches(text: string): boolean;
}

/** Parses a set starting after its `[`; returns the token and the index after `]`, or malformed. */
function parseSet(pattern: string, start: number): { token: Token; next: number } {
  let i = start;
  let negated = false;
  if (pattern[i] === '!' || pattern[i] === '^') {
    negated = true;
    i++;
  }
  let bytes = '';
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === ']') return { token: { kind: 'set', bytes, negated }, next: i + 1 };
    if (c === '\\') {
      i++;
      if (i >= pattern.length) break;
      bytes += pattern[i];
    } else {
      bytes += c;
    }
    i++;
  }
  return { token: { kind: 'malformed' }, next: pattern.length };
}

function compile(pattern: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === '*') {
      if (tokens.at(-1)?.kind !== 'star') tokens.push({ kind: 'star' });
      i++;
    } else if (c === '?') {
      tokens.push({ kind: 'any' });
      i++;
    } else if (c === '[') {
      const { token, next } = parseSet(pattern, i + 1);
      tokens.push(token);
      i = next;
    } else {
      tokens.push({ kind: 'literal', byte: c });
      i++;
    }
  }
  return tokens;
}

function matchesOne(token: Token, byte: string): boolean {
  switch (token.kind) {
    case 'literal':
      return token.byte === byte;
    case 'set':
      return token.bytes.includes(byte) !== token.negated;
    default:
      return true; // 'any'
  }
}

function run(tokens: Token[], text: string): boolean {
  let p = 0;
  let t = 0;
  let starP = -1;
  let starT = 0;
  for (;;) {
    if (p < tokens.length) {
      const token = tokens[p]!;
      if (token.kind === 'star') {
        starP = p++;
        starT = t;
        continue;
      }
      if (token.kind === 'malformed') {
        if (t < text.length) return true;
      } else if (t < text.length && matchesOne(token, text[t]!)) {
        p++;
        t++;
        continue;
      }
    } else if (t === text.length) {
      return true;
    }
    // Let the last star take one more byte and try the rest again.
    if (starP < 0 || starT >= text.length) return false;
    t = ++starT;
    p = starP + 1;
  }
}

/** A case-sensitive glob; mailrules lower-cases both the pattern and the address. */
export function compileGlob(pattern: string): Glob {
  const tokens = compile(pattern);
  return { source: pattern, matches: (text) => run(tokens, text) };
}
