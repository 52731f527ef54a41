/**
 * SPF (RFC 7208) at MAIL FROM, through the mailauth library: the result
 * and the two things made of it, the `spf=` part of Authentication-Results
 * and the Received-SPF header.
 */
import type { SPFResult } from 'mailauth';
import { formatValue, resultComment } from './auth-results.js';
import { loadLibrary } from './load-library.js';
import type { MailauthResolver } from './resolver.js';
import { SPF_MAX_LOOKUPS, SPF_MAX_VOID_LOOKUPS, SPF_TIME_LIMIT_MS } from './settings.js';

export type SpfResultWord = 'pass' | 'fail' | 'softfail' | 'neutral' | 'none' | 'temperror' | 'permerror';

export interface SpfCheck {
  /** The MAIL FROM address; empty for the null sender (then the HELO name is checked, §2.4). */
  sender: string;
  ip: string;
  /** The HELO/EHLO argument; without one the client's address stands for it. */
  helo: string | undefined;
  authservId: string;
  resolver: MailauthResolver;
}

export interface SpfOutcome {
  result: SpfResultWord;
  /** The domain whose policy was evaluated (the sender's, or the HELO name's for the null sender). */
  domain: string;
  /** Which identity was checked. */
  identity: 'mailfrom' | 'helo';
  /** The `spf=…` result for Authentication-Results. */
  resinfo: string;
  /** The Received-SPF header field as the library formats it (one folded field). */
  receivedSpf: string;
}

export async function checkSpf(check: SpfCheck): Promise<SpfOutcome> {
  const { spf } = await loadLibrary();
  const helo = check.helo !== undefined && check.helo !== '' ? check.helo : `[${check.ip}]`;
  const r: SPFResult = await spf({
    sender: check.sender,
    ip: check.ip,
    helo,
    mta: check.authservId,
    resolver: check.resolver,
    maxResolveCount: SPF_MAX_LOOKUPS,
    maxVoidCount: SPF_MAX_VOID_LOOKUPS,
    maxElapsedTime: SPF_TIME_LIMIT_MS,
  });
  const result = r.status.result as SpfResultWord;
  const identity = check.sender === '' ? 'helo' : 'mailfrom';
  // Only the identity that was checked, and the sender's domain without its
  // local-part (RFC 8601 §2.7.2); the library names both.
  const property = identity === 'helo' ? `smtp.helo=${formatValue(helo)}` : `smtp.mailfrom=${formatValue(r.domain)}`;
  const comment = r.status.comment ? ` ${resultComment(r.status.comment)}` : '';
  return { result, domain: r.domain, identity, resinfo: `spf=${result}${comment} ${property}`, receivedSpf: r.header };
}
