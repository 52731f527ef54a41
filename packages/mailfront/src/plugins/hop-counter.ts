/**
 * Counts the `Received:` and `Delivered-To:` lines of a message header
 * (names compared without regard to case), across block boundaries, until
 * the empty line that ends the header. Too many of either means a loop.
 */
const LF = 0x0a;
const NAMES = ['received:', 'delivered-to:'];
const LONGEST = Math.max(...NAMES.map((n) => n.length));

export class HopCounter {
  #inHeader = true;
  /** The start of the current line, up to the longest name we look for. */
  #prefix = '';
  #atLineStart = true;
  #received = 0;
  #deliveredTo = 0;

  start(): void {
    this.#inHeader = true;
    this.#prefix = '';
    this.#atLineStart = true;
    this.#received = 0;
    this.#deliveredTo = 0;
  }

  /** Scans a block; returns the larger of the two counts so far. */
  scan(block: Buffer): number {
    for (let i = 0; i < block.length && this.#inHeader; i++) {
      const b = block[i]!;
      if (b === LF) {
        if (this.#atLineStart) this.#inHeader = false;
        this.#check();
        this.#prefix = '';
        this.#atLineStart = true;
        continue;
      }
      this.#atLineStart = false;
      if (this.#prefix.length < LONGEST) {
        this.#prefix += String.fromCharCode(b).toLowerCase();
        if (this.#prefix.length === NAMES[0]!.length || this.#prefix.length === LONGEST) this.#check();
      }
    }
    return Math.max(this.#received, this.#deliveredTo);
  }

  /** Counts the line once, as soon as its start names one of the headers. */
  #check(): void {
    if (this.#prefix === NAMES[0]) this.#received++;
    else if (this.#prefix === NAMES[1]) this.#deliveredTo++;
    else return;
    // Make sure the same line is not counted again.
    this.#prefix += '\0';
  }
}
