/**
 * Envelope addresses in netstrings, for QMTP and QMQP.
 *
 * An address may be any bytes the framing allows, but two kinds would
 * corrupt the queue and are refused here, before any plugin sees them: one
 * with a NUL byte (it would split the qmail-queue envelope, `Fa\0Tvictim\0`)
 * and one over MAX_ADDRESS_LENGTH bytes (qmail-queue refuses it anyway).
 * A long one is skipped, not stored, so the client stays in step and
 * memory stays bounded. Both protocols carry UTF-8 addresses (SMTPUTF8
 * mail relayed by QMTP/QMQP) as they are, with no parameter to announce
 * them; a non-ASCII address that is not valid UTF-8 is refused, as SMTP
 * refuses it.
 */
import { LimitedSource, NetstringError, readExactly, readNetstringEnd, readNetstringLength, type ByteSource } from '@mailfront/core';
import type { Response } from '../../engine/response.js';
import { addressCharset } from '../../util/address-charset.js';
import type { NetstringLink, ReadTexts } from './link.js';
import {
  MAX_ADDRESS_LENGTH,
  RECIPIENT_HAS_NUL,
  RECIPIENT_NOT_UTF8,
  RECIPIENT_TOO_LONG,
  SENDER_HAS_NUL,
  SENDER_NOT_UTF8,
  SENDER_TOO_LONG,
} from './replies.js';

export type AddressKind = 'sender' | 'recipient';

export interface AddressField {
  /** The address as a binary string (empty when too long to keep). */
  address: string;
  /** Its length in bytes on the wire. */
  length: number;
  /** Why it is refused before any plugin sees it, if it is. */
  problem?: Response;
}

const TOO_LONG: Record<AddressKind, Response> = { sender: SENDER_TOO_LONG, recipient: RECIPIENT_TOO_LONG };
const HAS_NUL: Record<AddressKind, Response> = { sender: SENDER_HAS_NUL, recipient: RECIPIENT_HAS_NUL };
const NOT_UTF8: Record<AddressKind, Response> = { sender: SENDER_NOT_UTF8, recipient: RECIPIENT_NOT_UTF8 };

/** The field for the bytes of an address that was read whole. */
export function addressField(bytes: Buffer, kind: AddressKind): AddressField {
  const address = bytes.toString('latin1');
  const problem = address.includes('\0') ? HAS_NUL[kind] : addressCharset(address) === 'invalid' ? NOT_UTF8[kind] : undefined;
  return { address, length: bytes.length, problem };
}

/** The field for an address too long to keep. */
export function longAddressField(length: number, kind: AddressKind): AddressField {
  return { address: '', length, problem: TOO_LONG[kind] };
}

/** `sender <a@example.com>`, as mailfront logs an envelope address. */
export function describeAddress(kind: AddressKind, field: AddressField): string {
  if (field.length > MAX_ADDRESS_LENGTH) return `${kind} too long (${field.length} bytes)`;
  return `${kind} <${field.address}>`;
}

/** Reads and drops `length` bytes. */
async function skip(source: ByteSource, length: number, timeoutMs: number): Promise<void> {
  const window = new LimitedSource(source, length);
  while ((await window.read(timeoutMs)) !== null);
  if (window.remaining > 0) throw new NetstringError('eof', 'input ended inside a netstring');
}

/** Reads one address netstring of at most `cap` bytes (longer is a die). */
export async function readAddress(
  link: NetstringLink,
  source: ByteSource,
  cap: number,
  texts: ReadTexts,
  kind: AddressKind,
): Promise<AddressField> {
  const length = await link.guard((t) => readNetstringLength(source, cap, t), texts);
  let field: AddressField;
  if (length > MAX_ADDRESS_LENGTH) {
    await link.guard((t) => skip(source, length, t), texts);
    field = longAddressField(length, kind);
  } else {
    field = addressField(await link.guard((t) => readExactly(source, length, t), texts), kind);
  }
  await link.guard((t) => readNetstringEnd(source, t), texts);
  return field;
}
