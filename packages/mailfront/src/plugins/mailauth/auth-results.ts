/**
 * Authentication-Results (RFC 8601) as text: our header, and the
 * authserv-id that someone else's header claims, so that a forged one
 * carrying our id can be removed (§5).
 */
import { domainToASCII } from 'node:url';

/** Lines are folded before this many characters where a blank allows it. */
const FOLD_AT = 78;

/**
 * An RFC 2045 token (what an authserv-id is when not quoted): no blanks,
 * control characters or tspecials. UTF-8 is allowed (RFC 8601 §2.5, EAI).
 */
export function isToken(text: string): boolean {
  return /^[^\x00-\x20\x7f()<>@,;:\\"/[\]?=]+$/.test(text);
}

/** Skips CFWS (blanks, line breaks, comments with nesting and quoted pairs) from `at`. */
function skipCfws(text: string, at: number): number {
  let depth = 0;
  for (; at < text.length; at++) {
    const c = text[at]!;
    if (depth > 0 && c === '\\') at++;
    else if (c === '(') depth++;
    else if (c === ')' && depth > 0) depth--;
    else if (depth === 0 && !/[ \t\r\n]/.test(c)) return at;
  }
  return at;
}

/**
 * The authserv-id at the start of an Authentication-Results field value
 * (the text after the colon): a token, or a quoted-string unquoted.
 * Undefined when the value starts with neither.
 */
export function claimedAuthservId(value: string): string | undefined {
  const at = skipCfws(value, 0);
  if (value[at] === '"') {
    let id = '';
    for (let i = at + 1; i < value.length; i++) {
      const c = value[i]!;
      if (c === '"') return id;
      if (c === '\\') i++;
      if (c !== '\r' && c !== '\n') id += value[i] ?? '';
    }
    return undefined;
  }
  const token = /^[^\x00-\x20\x7f()<>@,;:\\"/[\]?=]+/.exec(value.slice(at));
  return token?.[0];
}

/** An id compared as RFC 8601 §5 asks: whole, without regard to case, A-labels and U-labels alike. */
function canonicalId(id: string): string {
  const lower = id.toLowerCase();
  return domainToASCII(lower) || lower;
}

export function sameAuthservId(a: string, b: string): boolean {
  return canonicalId(a) === canonicalId(b);
}

/** Control characters never reach a header from peer text. */
const printable = (text: string) => text.replace(/[\x00-\x1f\x7f]/g, '?');

/** A value (the authserv-id, a property such as smtp.helo): a token as is, anything else quoted. */
export function formatValue(value: string): string {
  return isToken(value) ? value : `"${printable(value).replace(/[\\"]/g, '\\$&')}"`;
}

/** Longest comment kept; a longer one is cut (the client chooses much of its text). */
const COMMENT_MAX = 300;

/** A comment `( … )` with its parentheses and backslashes escaped. */
export function resultComment(text: string): string {
  const cut = text.length > COMMENT_MAX ? `${text.slice(0, COMMENT_MAX)}...` : text;
  return `(${printable(cut).replace(/[()\\]/g, '\\$&')})`;
}

/**
 * Folds one line of a header field at blanks so that each line stays
 * under 78 characters where it can: a line break is put before a blank,
 * so unfolding gives back exactly the text (RFC 5322 §2.2.3).
 */
export function fold(line: string): string {
  const words = line.split(' ');
  const lines: string[] = [];
  let current = words.shift()!;
  for (const word of words) {
    if (current.length + 1 + word.length > FOLD_AT && current.trim() !== '') {
      lines.push(current);
      current = ' ' + word;
    } else {
      current += ' ' + word;
    }
  }
  lines.push(current);
  return lines.join('\n');
}

/** One line of text from the library: any folding it did is undone (ours is applied after). */
export function unfold(text: string): string {
  return text.replace(/\r?\n(?=[ \t])/g, '').replace(/[\r\n]/g, ' ');
}

/**
 * `Authentication-Results: id;` with each result on a line of its own
 * (LF line ends, the form of the qmail queue), or `id; none` when nothing
 * was evaluated.
 */
export function authResultsHeader(authservId: string, results: readonly string[]): string {
  const id = formatValue(authservId);
  if (results.length === 0) return `Authentication-Results: ${id}; none\n`;
  const lines = results.map((r) => fold(`\t${unfold(r)}`));
  return `Authentication-Results: ${id};\n${lines.join(';\n')}\n`;
}

/** A header field from the library (Received-SPF), refolded with LF line ends. */
export function headerField(text: string): string {
  return fold(unfold(text).trimEnd()) + '\n';
}
