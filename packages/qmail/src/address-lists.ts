/**
 * Address and domain lists used while receiving mail:
 *
 * - control/badmailfrom, control/badrcptto: an address matches when it is
 *   listed (case-insensitively), or when `@domain` is listed; the domain
 *   form applies only to an address with something before its last `@`;
 * - control/rcpthosts with control/morercpthosts.cdb: a domain is allowed
 *   when it, or one of its `.suffix` forms, is listed (`.example.com`
 *   covers every subdomain but not example.com itself).
 */
import type { CdbReader } from '@mailfront/cdb64';
import { asciiLower } from './control.js';

export class AddressList {
  readonly #entries: ReadonlySet<string>;

  constructor(entries: Iterable<string>) {
    this.#entries = new Set(entries);
  }

  get size(): number {
    return this.#entries.size;
  }

  matches(address: string): boolean {
    const lower = asciiLower(address);
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
    this.#hosts = new Set(hosts);
  }

  /** Whether mail for this domain may be received. */
  allows(domain: string): boolean {
    const lower = asciiLower(domain);
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
    return this.#hosts.has(key) || (this.more?.has(Buffer.from(key, 'utf8')) ?? false);
  }
}
