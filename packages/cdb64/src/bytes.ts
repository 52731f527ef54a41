/**
 * Keys and values are bytes. Strings are accepted for convenience and taken
 * as latin1 (one byte per char code 0..255), never UTF-8: cdb keys are binary
 * (IP addresses, user names, raw qmail addresses), and latin1 round-trips
 * every byte, as `Buffer.toString('latin1')` gives the same string back.
 */

/** What the API accepts as a key or value: bytes, or a latin1 string. */
export type Bytes = Uint8Array | string;

/** The bytes of a key or value, without copying a Buffer that is passed in. */
export function toBuffer(data: Bytes): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'latin1');
  if (Buffer.isBuffer(data)) return data;
  if (data instanceof Uint8Array) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  throw new TypeError(`cdb keys and values must be a Buffer, Uint8Array or string, not ${describe(data)}`);
}

function describe(value: unknown): string {
  return value === null ? 'null' : typeof value;
}
