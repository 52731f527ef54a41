/**
 * control/virtualdomains: `domain:prefix` lines. A key starting with a dot
 * (`.example.com`) is a wildcard for every subdomain.
 *
 * cvm-qmail's reading, which this follows: the key is lower-cased, the
 * prefix kept as written; lines without a colon are ignored; for a key
 * listed twice the first line wins (qmail-send's constmap lets the last
 * win); `user@domain` keys and the empty catch-all key are stored but never
 * matched by findVirtualDomain, which looks up domains only.
 */
import { asciiLower, parseControlList } from './control.js';

export type VirtualDomainTable = ReadonlyMap<string, string>;

export function parseVirtualDomains(contents: Buffer | undefined): VirtualDomainTable {
  const table = new Map<string, string>();
  for (const line of parseControlList(contents, false)) {
    const colon = line.indexOf(':');
    if (colon === -1) continue;
    const key = asciiLower(line.slice(0, colon));
    if (!table.has(key)) table.set(key, line.slice(colon + 1));
  }
  return table;
}

export interface VirtualDomainMatch {
  /** The key that matched: the domain itself, or a `.suffix` wildcard with its leading dot. */
  key: string;
  prefix: string;
}

/** The exact domain, else each `.suffix` from the longest (a.b.c → .b.c → .c). `domain` must be lower case. */
export function findVirtualDomain(table: VirtualDomainTable, domain: string): VirtualDomainMatch | undefined {
  const exact = table.get(domain);
  if (exact !== undefined) return { key: domain, prefix: exact };
  for (let dot = domain.indexOf('.', 1); dot !== -1; dot = domain.indexOf('.', dot + 1)) {
    const key = domain.slice(dot);
    const prefix = table.get(key);
    if (prefix !== undefined) return { key, prefix };
  }
  return undefined;
}
