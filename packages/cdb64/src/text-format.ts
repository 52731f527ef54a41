/**
 * djb's cdbmake / cdbdump text format, also tinycdb's default:
 *
 *     +klen,dlen:key->data\n   (one line per record; key and data are raw bytes)
 *     \n                       (one empty line ends the input)
 *
 * Lengths are decimal. Key and data may contain any byte, LF and NUL
 * included: the lengths, not the line structure, delimit them.
 *
 * The parser is strict: any deviation is a CdbTextError naming the byte
 * offset. Like tinycdb it refuses input without the final empty line (a
 * truncated dump must not make a smaller database); unlike tinycdb, which
 * ignores them, it also refuses bytes after that line.
 */
import { toBuffer, type Bytes } from './bytes.js';
import { CdbTextError } from './errors.js';

const PLUS = 0x2b;
const COMMA = 0x2c;
const COLON = 0x3a;
const MINUS = 0x2d;
const GREATER = 0x3e;
const LF = 0x0a;
const ZERO = 0x30;
const NINE = 0x39;
/** More digits than this could not be a length that fits in the input anyway (and would lose precision). */
const MAX_LENGTH_DIGITS = 15;

/**
 * The records of a cdbmake text, in order, lazily. Keys and values are views
 * into `input` (no copies), so they change if `input` is modified.
 */
export function* parseCdbText(input: Uint8Array): Generator<[Buffer, Buffer]> {
  const text = toBuffer(input);
  let at = 0;
  for (;;) {
    if (at >= text.length) throw new CdbTextError(at, 'input ends without the final empty line');
    const first = text[at]!;
    if (first === LF) {
      if (at + 1 !== text.length) throw new CdbTextError(at + 1, 'data after the final empty line');
      return;
    }
    if (first !== PLUS) throw new CdbTextError(at, `expected "+" at the start of a record, found ${show(first)}`);
    const keyLength = readNumber(text, at + 1, COMMA);
    const valueLength = readNumber(text, keyLength.next, COLON);
    const keyStart = valueLength.next;
    const arrow = keyStart + keyLength.value;
    const valueStart = arrow + 2;
    const lineEnd = valueStart + valueLength.value;
    if (lineEnd >= text.length) throw new CdbTextError(keyStart, 'record is longer than the rest of the input');
    if (text[arrow] !== MINUS || text[arrow + 1] !== GREATER) throw new CdbTextError(arrow, 'expected "->" after the key');
    if (text[lineEnd] !== LF) throw new CdbTextError(lineEnd, 'expected a newline after the data');
    yield [text.subarray(keyStart, arrow), text.subarray(valueStart, lineEnd)];
    at = lineEnd + 1;
  }
}

/** Reads decimal digits from `at` up to `terminator`; returns the number and the offset after the terminator. */
function readNumber(text: Buffer, at: number, terminator: number): { value: number; next: number } {
  let value = 0;
  let i = at;
  for (; i < text.length && text[i] !== terminator; i++) {
    const c = text[i]!;
    if (c < ZERO || c > NINE) throw new CdbTextError(i, `expected a digit or ${show(terminator)}, found ${show(c)}`);
    if (i - at === MAX_LENGTH_DIGITS) throw new CdbTextError(at, 'length has too many digits');
    value = value * 10 + (c - ZERO);
  }
  if (i >= text.length) throw new CdbTextError(i, `input ends before ${show(terminator)}`);
  if (i === at) throw new CdbTextError(at, `expected a length before ${show(terminator)}`);
  return { value, next: i + 1 };
}

function show(byte: number): string {
  return byte >= 0x21 && byte <= 0x7e ? `"${String.fromCharCode(byte)}"` : `byte 0x${byte.toString(16).padStart(2, '0')}`;
}

/** One record line, `+klen,dlen:key->data\n`. */
export function formatCdbRecord(key: Bytes, value: Bytes): Buffer {
  const k = toBuffer(key);
  const v = toBuffer(value);
  const line = Buffer.allocUnsafe(`+${k.length},${v.length}:->\n`.length + k.length + v.length);
  let at = line.write(`+${k.length},${v.length}:`, 'latin1');
  at += k.copy(line, at);
  at += line.write('->', at, 'latin1');
  at += v.copy(line, at);
  line[at] = LF;
  return line;
}

/** A whole cdbmake text: every record, then the final empty line. Same bytes as `cdb -d` prints. */
export function formatCdbText(records: Iterable<readonly [Bytes, Bytes]>): Buffer {
  const parts: Buffer[] = [];
  for (const [key, value] of records) parts.push(formatCdbRecord(key, value));
  parts.push(Buffer.from([LF]));
  return Buffer.concat(parts);
}
