/**
 * What a DNSBL's A answer means today (RFC 5782 and the big lists' own
 * rules). Only 127.0.0.0/8 answers are meaningful. Inside it, the
 * 127.255.255.0/24 range is how Spamhaus and others say "your query is the
 * problem" (.252 a typo in the zone, .254 a query through a public or
 * unattributable resolver, .255 too many queries): it is an error from the
 * list, never a listing. An answer outside 127/8 means a dead list that
 * wildcards everything, or a hijacked domain: also an error. Treating either
 * as a listing would reject every client.
 */

export type AddressVerdict =
  | { kind: 'listed'; codes: string[] }
  | { kind: 'list-error'; codes: string[]; detail: string };

/** Known meanings of the error range, for the log. */
const LIST_ERROR_MEANINGS: Record<string, string> = {
  '127.255.255.252': 'typo in the DNSBL zone name',
  '127.255.255.254': 'query through a public or unattributable resolver',
  '127.255.255.255': 'excessive number of queries',
};

export function isListErrorCode(address: string): boolean {
  return address.startsWith('127.255.255.');
}

export function isLoopbackCode(address: string): boolean {
  return address.startsWith('127.');
}

/**
 * Classifies a non-empty A answer. One suspicious address makes the whole
 * answer an error: lists answer error codes alone, so a mixed answer is a
 * broken list.
 */
export function classifyAddresses(addresses: readonly string[]): AddressVerdict {
  const codes = [...addresses];
  const outside = codes.find((a) => !isLoopbackCode(a));
  if (outside !== undefined) return { kind: 'list-error', codes, detail: `answer ${outside} is outside 127.0.0.0/8` };
  const error = codes.find(isListErrorCode);
  if (error !== undefined) {
    const meaning = LIST_ERROR_MEANINGS[error];
    return { kind: 'list-error', codes, detail: `list error code ${error}${meaning ? ` (${meaning})` : ''}` };
  }
  return { kind: 'listed', codes };
}

/**
 * Text from DNS made safe for a protocol reply: at most maxBytes bytes, and
 * every byte outside 32..126 replaced by `?` (what rblsmtpd and mailfront
 * do). TXT texts arrive from node:dns one character per byte (latin1), so a
 * UTF-8 é becomes `??`, as in the C tools.
 */
export function printableText(text: string, maxBytes: number): string {
  // One character per byte for DNS text; any other character counts as one and becomes `?` too.
  return text.slice(0, maxBytes).replace(/[^\x20-\x7e]/g, '?');
}
