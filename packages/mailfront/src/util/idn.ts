/**
 * Internationalised domains in envelope addresses, which are binary strings
 * (one character per byte, so a U-label arrives as its UTF-8 bytes).
 */
import { hostNameToAscii } from '@mailfront/core';
import { textString } from './binary-string.js';

const NON_ASCII = /[\x80-\xff]/;

/** The domain as DNS sees it: a name with UTF-8 in its A-label form (undefined if it is not a valid one), ASCII as is. */
export function dnsDomain(domain: string): string | undefined {
  return NON_ASCII.test(domain) ? hostNameToAscii(textString(domain)) : domain;
}

/**
 * The address with a UTF-8 domain replaced by its A-label form, for a
 * program that compares domains as ASCII (qmail-send's locals and
 * virtualdomains); anything else unchanged.
 */
export function withAsciiDomain(address: string): string {
  const at = address.lastIndexOf('@');
  if (at === -1) return address;
  const domain = dnsDomain(address.slice(at + 1));
  return domain === undefined ? address : address.slice(0, at + 1) + domain;
}
