/**
 * The header section of a message in LF form (the qmail queue's, and the
 * data hooks'), collected block by block up to a limit, and split into
 * fields. Only the header section is ever held in memory; the body streams.
 */
const LF = 0x0a;
const SP = 0x20;
const HT = 0x09;

export type Collected =
  /** The end of the header section has not been seen yet. */
  | { state: 'partial' }
  /** The header section (its empty line included) and the bytes of the body in this block. */
  | { state: 'complete'; header: Buffer; rest: Buffer }
  /** More than `limit` bytes without the empty line that ends the header section. */
  | { state: 'too-large' };

export class HeaderCollector {
  readonly #limit: number;
  #chunks: Buffer[] = [];
  #size = 0;
  /** The last byte seen was LF, or nothing was seen yet (an empty first line ends the section). */
  #atLineStart = true;
  #done = false;

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Takes the next block of the message; after 'complete' or 'too-large' it must not be called again. */
  push(block: Buffer): Collected {
    if (this.#done) throw new Error('HeaderCollector: the header section is already complete');
    for (let i = 0; i < block.length; i++) {
      const atLineStart = this.#atLineStart;
      this.#atLineStart = block[i] === LF;
      if (!(atLineStart && block[i] === LF)) continue;
      this.#done = true;
      const header = Buffer.concat([...this.#chunks, block.subarray(0, i + 1)]);
      this.#chunks = [];
      return header.length > this.#limit ? { state: 'too-large' } : { state: 'complete', header, rest: block.subarray(i + 1) };
    }
    this.#size += block.length;
    if (this.#size > this.#limit) {
      this.#done = true;
      this.#chunks = [];
      return { state: 'too-large' };
    }
    this.#chunks.push(block);
    return { state: 'partial' };
  }

  /** At the end of the message: a message without an empty line is all header. */
  finish(): Buffer {
    this.#done = true;
    const header = Buffer.concat(this.#chunks);
    this.#chunks = [];
    return header;
  }
}

/** The fields of a header section, each with its continuation lines and line ends; the empty line is left out. */
export function splitFields(header: Buffer): Buffer[] {
  const fields: Buffer[] = [];
  let fieldStart = -1;
  let at = 0;
  while (at < header.length) {
    const lf = header.indexOf(LF, at);
    if (lf === at) break; // the empty line that ends the section
    const continuation = header[at] === SP || header[at] === HT;
    if (!continuation || fieldStart === -1) {
      if (fieldStart !== -1) fields.push(header.subarray(fieldStart, at));
      fieldStart = at;
    }
    at = lf === -1 ? header.length : lf + 1;
  }
  if (fieldStart !== -1) fields.push(header.subarray(fieldStart, at));
  return fields;
}

/** The field name in lower case, or '' for a line that is not a field (no colon). */
export function fieldName(field: Buffer): string {
  const colon = field.indexOf(0x3a);
  const lineEnd = field.indexOf(LF);
  if (colon === -1 || (lineEnd !== -1 && lineEnd < colon)) return '';
  return field.toString('latin1', 0, colon).trim().toLowerCase();
}

/** The field's value: what follows the colon, continuation lines included. */
export function fieldValue(field: Buffer): string {
  return field.toString('latin1', field.indexOf(0x3a) + 1);
}
