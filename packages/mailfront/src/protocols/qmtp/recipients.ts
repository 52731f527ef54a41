/**
 * QMTP's recipient list: one netstring whose contents are the recipients'
 * netstrings back to back (reference §3.2, ucspi-qmail §4.2).
 *
 * The list is read whole (it is capped by QMTP_MAX_ENVELOPE) and its comma
 * checked before any recipient is looked at, then the recipients are taken
 * one by one; a framing error inside the list is a die with mailfront's
 * texts. The parser is strict where mailfront is lax: a length must have
 * digits (mailfront reads `:` as `0:`).
 */
import { readExactly, readNetstringEnd, readNetstringLength } from '@mailfront/core';
import { addressField, longAddressField, type AddressField } from './address.js';
import { ProtocolDie, type NetstringLink } from './link.js';
import {
  BAD_LENGTH,
  BAD_RECIPIENT,
  EOF_RECIPIENTS,
  LENGTH_TOO_LONG,
  MAX_ADDRESS_LENGTH,
  MISSING_COMMA,
} from './replies.js';

const COLON = 0x3a;
const COMMA = 0x2c;
const ZERO = 0x30;
const NINE = 0x39;

const LIST_TEXTS = { eof: EOF_RECIPIENTS, format: BAD_RECIPIENT, tooLong: LENGTH_TOO_LONG };

/** Reads the recipient-list netstring, comma included. */
export async function readRecipientList(link: NetstringLink, cap: number): Promise<Buffer> {
  const { input } = link;
  const length = await link.guard((t) => readNetstringLength(input, cap, t), LIST_TEXTS);
  const list = await link.guard((t) => readExactly(input, length, t), LIST_TEXTS);
  await link.guard((t) => readNetstringEnd(input, t), LIST_TEXTS);
  return list;
}

/** The recipients of a list, in order; a malformed item is a die when the parse reaches it. */
export function* recipientsOf(list: Buffer): Generator<AddressField> {
  let pos = 0;
  while (pos < list.length) {
    let length = 0;
    let i = pos;
    for (; i < list.length && list[i] !== COLON; i++) {
      const b = list[i]!;
      if (b < ZERO || b > NINE) throw new ProtocolDie(BAD_LENGTH);
      length = length * 10 + (b - ZERO);
      if (length > list.length) throw new ProtocolDie(LENGTH_TOO_LONG);
    }
    if (i === list.length) throw new ProtocolDie(LENGTH_TOO_LONG);
    if (i === pos) throw new ProtocolDie(BAD_LENGTH);
    const start = i + 1;
    const end = start + length;
    if (end > list.length) throw new ProtocolDie(LENGTH_TOO_LONG);
    if (end === list.length || list[end] !== COMMA) throw new ProtocolDie(MISSING_COMMA);
    yield length > MAX_ADDRESS_LENGTH ? longAddressField(length, 'recipient') : addressField(list.subarray(start, end), 'recipient');
    pos = end + 1;
  }
}

/** How many recipients a list holds (the whole list is checked). */
export function countRecipients(list: Buffer): number {
  let n = 0;
  for (const _ of recipientsOf(list)) n++;
  return n;
}
