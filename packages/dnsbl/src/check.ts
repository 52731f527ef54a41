/**
 * One question to one list: is this client listed?
 *
 * A block list is asked for A and TXT at the same time. The A answer decides
 * (RFC 5782), after classification: an error code or a non-127 answer is an
 * error from the list, not a listing. TXT only supplies the reason text,
 * except for lists that publish TXT alone, which rblsmtpd 0.88 relied on:
 * a TXT answer without an A record still lists the client.
 *
 * An allow list (rblsmtpd's -a "anti-RBL") is asked for A only.
 */
import { classifyAddresses } from './answers.js';
import { dnsblQueryName } from './names.js';
import type { DnsblResolver, LookupOutcome } from './resolver.js';

export type DnsblResult =
  /** `codes`: the A answer (empty for a TXT-only listing); `text`: all TXT texts joined, if any. */
  | { status: 'listed'; zone: string; name: string; codes: string[]; text: string | undefined }
  | { status: 'not-listed'; zone: string; name: string }
  /** The list could not say: DNS timeout, other DNS failure, or an error answer from the list. */
  | { status: 'error'; zone: string; name: string; problem: 'timeout' | 'failure' | 'list-error'; detail: string };

export interface BlockListOptions {
  /** Also ask for TXT, the reason text (default true). */
  txt?: boolean;
  /** Only these A answers count as a listing (e.g. ['127.0.0.2', '127.0.0.3']); default: any 127/8 code. */
  codes?: readonly string[];
}

export async function checkBlockList(resolver: DnsblResolver, ip: string, zone: string, options: BlockListOptions = {}): Promise<DnsblResult> {
  const name = dnsblQueryName(ip, zone);
  const [a, txt] = await Promise.all([resolver.lookupA(name), options.txt === false ? undefined : resolver.lookupTxt(name)]);
  return combineListing(zone, name, a, txt, options.codes);
}

export async function checkAllowList(resolver: DnsblResolver, ip: string, zone: string): Promise<DnsblResult> {
  const name = dnsblQueryName(ip, zone);
  return combineListing(zone, name, await resolver.lookupA(name), undefined, undefined);
}

/** The decision table of docs/dnsbl.md, as a pure function of the two lookups. */
export function combineListing(
  zone: string,
  name: string,
  a: LookupOutcome,
  txt: LookupOutcome | undefined,
  codes: readonly string[] | undefined,
): DnsblResult {
  const notListed: DnsblResult = { status: 'not-listed', zone, name };
  const text = txt?.kind === 'answer' ? txt.values.join('') : '';
  const error = (failed: Extract<LookupOutcome, { kind: 'error' }>, type: string): DnsblResult => ({
    status: 'error',
    zone,
    name,
    problem: failed.problem,
    detail: `${type} lookup of ${name} failed: ${failed.code}`,
  });

  if (a.kind === 'answer') {
    const verdict = classifyAddresses(a.values);
    if (verdict.kind === 'list-error') return { status: 'error', zone, name, problem: 'list-error', detail: verdict.detail };
    if (codes && !verdict.codes.some((c) => codes.includes(c))) return notListed;
    return { status: 'listed', zone, name, codes: verdict.codes, text: text === '' ? undefined : text };
  }
  // rblsmtpd 0.88 lists on TXT alone (it never asks for A); a code filter needs an A answer.
  if (text !== '' && !codes) return { status: 'listed', zone, name, codes: [], text };
  if (a.kind === 'none') return txt?.kind === 'error' && !a.nxdomain ? error(txt, 'TXT') : notListed;
  // The A lookup failed; a TXT NXDOMAIN still proves that the name does not exist.
  return txt?.kind === 'none' && txt.nxdomain ? notListed : error(a, 'A');
}
