/**
 * DNSCACHEIP, the djbdns convention the C plugins follow (rbl, mailauth):
 * the name servers to ask, `ip` or `ip:port`, several separated by blanks
 * or commas. Unset or empty: none, i.e. the system resolver.
 */
import { ConfigError } from '@mailfront/core';
import { parseDnsServers } from '@mailfront/dnsbl';
import type { Session } from '../engine/session.js';

export function dnsServers(session: Session): string[] {
  const value = session.getenv('DNSCACHEIP');
  if (value === undefined || value.trim() === '') return [];
  try {
    return parseDnsServers(value);
  } catch {
    throw new ConfigError('DNSCACHEIP', value, 'a list of name server addresses');
  }
}
