/**
 * Internationalised domains in mail rules (RFC 5890): `bücher.example` and
 * `xn--bcher-kva.example` are one domain. An address is matched in two
 * forms, as the client sent it (ASCII-lower-cased, as always) and with its
 * domain as a lower-cased A-label; a pattern or list entry whose domain has
 * non-ASCII characters is compared in that A-label form. So a rule written
 * either way matches a client that sends either way, while a pattern with
 * no domain part (`*bücher*`) still matches the text as sent.
 */
import { domainLookupKey } from '@mailfront/core';
import { addressLookupKey, asciiLower } from '@mailfront/qmail';
import { binaryString, textString } from '../../util/binary-string.js';

const NON_ASCII_OR_ALABEL = /[\x80-\xff]|xn--/i;

/** The A-label form of an address or pattern (binary strings of UTF-8), or the text itself when it has none. */
function aLabelForm(text: string): string {
  if (!NON_ASCII_OR_ALABEL.test(text)) return asciiLower(text);
  return binaryString(addressLookupKey(textString(text)));
}

/** The forms an address is matched in: as sent, and with an A-label domain when that differs. */
export function addressForms(address: string): string[] {
  const lower = asciiLower(address);
  const idn = aLabelForm(address);
  return idn === lower ? [lower] : [lower, idn];
}

/** A glob pattern's text, with a non-ASCII domain part in A-label form. */
export function patternForm(text: string): string {
  const at = text.lastIndexOf('@');
  return at !== -1 && /[\x80-\xff]/.test(text.slice(at + 1)) ? aLabelForm(text) : asciiLower(text);
}

/** The keys a list entry is stored under: as written, and its A-label form (a whole domain for `[[@file]]` lists). */
export function entryForms(entry: string): string[] {
  const lower = asciiLower(entry);
  const idn = entry.includes('@') ? aLabelForm(entry) : /[\x80-\xff]/.test(entry) ? binaryString(domainLookupKey(textString(entry))) : lower;
  return idn === lower ? [lower] : [lower, idn];
}
