/**
 * Domain names in their two forms (RFC 5890): U-labels (`bücher.example`,
 * what an SMTPUTF8 client may send) and A-labels (`xn--bcher-kva.example`,
 * what DNS and qmail's control files hold). Two names are the same domain
 * when their lower-cased A-label forms are equal; a U-label string is never
 * compared with an A-label string.
 *
 * The conversion is Node's url.domainToASCII (UTS #46, non-transitional:
 * `faß.de` stays distinct from `fass.de`). It does not check the result is a
 * host name (it passes `a..b`, `-x-.com` and undecodable `xn--` labels), so
 * the LDH and length rules of RFC 1035/5891 are checked here.
 */
import { domainToASCII, domainToUnicode } from 'node:url';

/** RFC 1035: 63 octets a label, 253 for the name written without its final dot. */
export const MAX_LABEL_LENGTH = 63;
export const MAX_DOMAIN_LENGTH = 253;

const LDH_LABEL = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
const ASCII = /^[\x00-\x7f]*$/;

/** ASCII-only lower case: qmail compares control-file names this way. */
function asciiLower(text: string): string {
  return text.replace(/[A-Z]+/g, (s) => s.toLowerCase());
}

/**
 * The lower-cased A-label form of a host name, or undefined when it is not
 * a valid one: empty labels, a label over 63 octets or outside
 * letters-digits-hyphen (or starting or ending with a hyphen), an `xn--`
 * label that does not decode, a name over 253 octets, or Unicode that
 * IDNA refuses. A trailing dot is allowed and dropped.
 */
export function hostNameToAscii(domain: string): string | undefined {
  const name = domain.endsWith('.') ? domain.slice(0, -1) : domain;
  const ascii = ASCII.test(name) ? asciiLower(name) : domainToASCII(name);
  if (ascii === '' || ascii.length > MAX_DOMAIN_LENGTH) return undefined;
  const labels = ascii.split('.');
  // url.domainToASCII reads numeric names as IPv4 (`１２３` becomes 0.0.0.123); a host name's last label is never all digits.
  if (/^[0-9]+$/.test(labels[labels.length - 1]!)) return undefined;
  for (const label of labels) {
    if (label.length > MAX_LABEL_LENGTH || !LDH_LABEL.test(label)) return undefined;
    if (label.startsWith('xn--') && !validALabel(label)) return undefined;
  }
  return ascii;
}

/** An `xn--` label must decode to a U-label that itself starts and ends with no hyphen (RFC 5891 §4.2.3.1). */
function validALabel(label: string): boolean {
  const unicode = domainToUnicode(label);
  return unicode !== label && !unicode.startsWith('-') && !unicode.endsWith('-');
}

/**
 * The form to look a domain up by, in a list of lower-cased A-label names
 * (rcpthosts, virtualdomains, a rules file): ASCII names are only
 * lower-cased (whatever their syntax, as qmail does), and names with
 * non-ASCII characters are converted label by label, so that `.bücher.example`
 * and `*.bücher.example` keep their leading dot or wildcard. A name that
 * cannot be converted is returned lower-cased as it was: it then matches
 * only itself.
 */
export function domainLookupKey(domain: string): string {
  if (ASCII.test(domain)) return asciiLower(domain);
  const ascii = domainToASCII(domain);
  return ascii === '' ? domain.toLowerCase() : ascii;
}

/** The U-label form for display (trace fields, logs); the input unchanged if it has no A-label or does not convert. */
export function domainToDisplay(domain: string): string {
  if (!/(^|\.)xn--/i.test(domain)) return domain;
  const unicode = domainToUnicode(domain);
  return unicode === '' ? domain : unicode;
}
