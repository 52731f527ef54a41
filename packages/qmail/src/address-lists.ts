/**
 * Address and domain lists used while receiving mail:
 *
 * - control/badmailfrom, control/badrcptto: an address matches when it is
 *   listed (case-insensitively), or when `@domain` is listed; the domain
 *   form applies only to an address with something before its last `@`;
 * - control/rcpthosts with control/morercpthosts.cdb: a domain is allowed
 *   when it, or one of its `.suffix` forms, is listed (`.example.com`
 *   covers every subdomain but not example.com itself).
 *
 * Domains are compared in their lower-cased A-label form, on both sides: a
 * list written with U-labels (`bücher.example`) and a client that sends
 * either form meet (RFC 5890). morercpthosts.cdb is looked up by the
 * A-label, and by the U-label too in case it was built from a UTF-8 file.
 */
import type { CdbReader } from '@mailfront/cdb64';
import { domainLookupKey, domainToDisplay } from '@mailfront/core';
import { addressLookupKey } from './control.js';

export class AddressList {
  readonly #entries: ReadonlySet<string>;

  constructor(entries: Iterable<string>) {
    this.#entries = new Set([...entries].map(addressLookupKey));
  }

  get size(): number {
    return this.#entries.size;
  }

  matches(address: string): boolean {
    const lower = addressLookupKey(address);
    if (this.#entries.has(lower)) return true;
    const at = lower.lastIndexOf('@');
    return at > 0 && this.#entries.has(lower.slice(at));
  }
}

export class RcptHosts {
  readonly #hosts: ReadonlySet<string>;

  constructor(
    hosts: Iterable<string>,
    private readonly more: CdbReader | undefined,
  ) {
    this.#hosts = new Set([...hosts].map(domainLookupKey));
  }

  /** Whether mail for this domain may be received. */
  allows(domain: string): boolean {
    const lower = domainLookupKey(domain);
    if (this.#listed(lower)) return true;
    for (let dot = lower.indexOf('.'); dot !== -1; dot = lower.indexOf('.', dot + 1)) {
      if (this.#listed(lower.slice(dot))) return true;
    }
    return false;
  }

  /** Whether the domain of an address may receive mail; an address without `@` always may (as in qmail-smtpd). */
  allowsAddress(address: string): boolean {
    const at = address.lastIndexOf('@');
    return at === -1 || this.allows(address.slice(at + 1));
  }

  #listed(key: string): boolean {
    if (this.#hosts.has(key) || this.#inMore(key)) return true;
    const unicode = key.includes('xn--') ? domainToDisplay(key) : key;
    return unicode !== key && this.#inMore(unicode);
  }

  #inMore(key: string): boolean {
    return this.more?.has(Buffer.from(key, 'utf8')) ?? false;
  }
}
