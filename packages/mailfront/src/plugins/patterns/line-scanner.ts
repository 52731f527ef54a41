/**
 * Checks the lines of one message against the patterns (reference §5.12).
 *
 * A line is the bytes before LF (a CR stays part of it); only its first
 * LINEMAX bytes are kept and checked, so memory stays bounded whatever the
 * message. Empty lines are never checked. Until the first empty line, lines
 * are header lines (`:` and normal patterns apply); the first non-empty line
 * after an empty line is an after-blank line (`\` and normal patterns); any
 * other line is a normal line (normal patterns only). The first pattern in
 * file order that matches the whole line wins.
 *
 * Unlike mailfront 2.12, a last line that does not end in LF is checked too
 * (`finish()`): SMTP messages always end in LF, but a message through QMTP
 * or QMQP need not.
 */
import type { Pattern } from './patterns-file.js';

type Mode = 'header' | 'after-blank' | 'normal';

export class LineScanner {
  #mode: Mode = 'header';
  /** The kept start of the current line. */
  #line = '';
  #lineLength = 0;

  constructor(
    private readonly patterns: readonly Pattern[],
    private readonly lineMax: number,
  ) {}

  /** Scans a block of the message; returns the first matching pattern. */
  scan(block: string): Pattern | undefined {
    let start = 0;
    while (start < block.length) {
      const lf = block.indexOf('\n', start);
      const end = lf === -1 ? block.length : lf;
      this.#take(block, start, end);
      if (lf === -1) break;
      const found = this.#endLine();
      if (found) return found;
      start = lf + 1;
    }
    return undefined;
  }

  /** The end of the message: a last line without LF is checked. */
  finish(): Pattern | undefined {
    return this.#lineLength > 0 ? this.#endLine() : undefined;
  }

  #take(block: string, start: number, end: number): void {
    const room = this.lineMax - this.#line.length;
    if (room > 0) this.#line += block.slice(start, Math.min(end, start + room));
    this.#lineLength += end - start;
  }

  #endLine(): Pattern | undefined {
    const line = this.#line;
    const empty = this.#lineLength === 0;
    this.#line = '';
    this.#lineLength = 0;
    if (empty) {
      this.#mode = 'after-blank';
      return undefined;
    }
    const mode = this.#mode;
    if (mode === 'after-blank') this.#mode = 'normal';
    return this.patterns.find((p) => (p.scope === 'normal' || p.scope === mode) && p.glob.matches(line));
  }
}
