/**
 * Netstrings (`<length>:<bytes>,`), the framing of QMTP and QMQP.
 *
 * The length is read digit by digit and refused as soon as it passes the
 * caller's cap, so a peer can never make us allocate or wait for more than we
 * agreed to; the body of a large netstring (a whole message) is not read
 * here but streamed by the caller through a LimitedSource of that length.
 */
import { LimitedSource, type ByteSource } from './input.js';

const COLON = 0x3a;
const COMMA = 0x2c;
const ZERO = 0x30;
const NINE = 0x39;
/** More digits than this cannot be a length we accept anyway. */
const MAX_DIGITS = 15;

export type NetstringProblem = 'format' | 'too-long' | 'eof';

export class NetstringError extends Error {
  constructor(
    readonly problem: NetstringProblem,
    message: string,
  ) {
    super(message);
    this.name = 'NetstringError';
  }
}

export function encodeNetstring(data: Buffer | string): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
  return Buffer.concat([Buffer.from(`${body.length}:`, 'latin1'), body, Buffer.from(',')]);
}

/**
 * Reads `<digits>:` and returns the length. Leading zeros are accepted, as
 * qmail's and mailfront's readers accept them.
 */
export async function readNetstringLength(source: ByteSource, maxLength: number, timeoutMs?: number): Promise<number> {
  let length = 0;
  let digits = 0;
  for (;;) {
    const chunk = await source.read(timeoutMs);
    if (chunk === null) throw new NetstringError('eof', 'input ended inside a netstring length');
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (b === COLON && digits > 0) {
        source.unread(chunk.subarray(i + 1));
        return length;
      }
      if (b < ZERO || b > NINE) throw new NetstringError('format', 'netstring length is not a decimal number');
      length = length * 10 + (b - ZERO);
      if (++digits > MAX_DIGITS || length > maxLength) {
        throw new NetstringError('too-long', `netstring longer than ${maxLength} bytes`);
      }
    }
  }
}

/** Reads the comma that closes a netstring. */
export async function readNetstringEnd(source: ByteSource, timeoutMs?: number): Promise<void> {
  let chunk: Buffer | null;
  do chunk = await source.read(timeoutMs);
  while (chunk !== null && chunk.length === 0);
  if (chunk === null) throw new NetstringError('eof', 'input ended before the netstring comma');
  if (chunk[0] !== COMMA) throw new NetstringError('format', 'netstring does not end with a comma');
  source.unread(chunk.subarray(1));
}

/** Reads exactly `length` bytes into one buffer. */
export async function readExactly(source: ByteSource, length: number, timeoutMs?: number): Promise<Buffer> {
  const window = new LimitedSource(source, length);
  const parts: Buffer[] = [];
  for (let chunk; (chunk = await window.read(timeoutMs)) !== null; ) parts.push(chunk);
  if (window.remaining > 0) throw new NetstringError('eof', 'input ended inside a netstring');
  return Buffer.concat(parts, length);
}

/** Reads a whole netstring of at most maxLength bytes (addresses, replies). */
export async function readNetstring(source: ByteSource, maxLength: number, timeoutMs?: number): Promise<Buffer> {
  const length = await readNetstringLength(source, maxLength, timeoutMs);
  const body = await readExactly(source, length, timeoutMs);
  await readNetstringEnd(source, timeoutMs);
  return body;
}

/**
 * Splits a buffer that holds netstrings back to back (a QMTP recipient list,
 * a QMQP package). Every item must fit exactly; anything left over, or an
 * item over maxItemLength, is an error.
 */
export function splitNetstrings(data: Buffer, maxItemLength: number): Buffer[] {
  const items: Buffer[] = [];
  let pos = 0;
  while (pos < data.length) {
    const colon = data.indexOf(COLON, pos);
    if (colon === -1 || colon === pos || colon - pos > MAX_DIGITS) {
      throw new NetstringError('format', 'bad netstring length in list');
    }
    let length = 0;
    for (let i = pos; i < colon; i++) {
      const b = data[i]!;
      if (b < ZERO || b > NINE) throw new NetstringError('format', 'bad netstring length in list');
      length = length * 10 + (b - ZERO);
    }
    if (length > maxItemLength) throw new NetstringError('too-long', `netstring longer than ${maxItemLength} bytes`);
    const end = colon + 1 + length;
    if (end >= data.length) throw new NetstringError('format', 'netstring runs past the end of its list');
    if (data[end] !== COMMA) throw new NetstringError('format', 'netstring does not end with a comma');
    items.push(data.subarray(colon + 1, end));
    pos = end + 1;
  }
  return items;
}
