/**
 * The mailauth plugin's settings. The policy switches are read from the
 * session environment each time they are needed, so a rules-cdb line or a
 * mailrules `env` field can change them per client or per transaction; the
 * authserv-id and the DNS settings are read once per session.
 */
import { hostname } from 'node:os';
import { ConfigError, envBoolean, envDuration } from '@mailfront/core';
import { sharedQmailControl } from '@mailfront/qmail';
import { DEFAULT_QMAILHOME } from '../../backends/qmail-home.js';
import type { Session } from '../../engine/session.js';
import { textString } from '../../util/binary-string.js';
import { dnsServers } from '../../util/dns-servers.js';
import { isToken } from './auth-results.js';
import type { ResolverSettings } from './resolver.js';

/** Per query (MAILAUTH_DNS_TIMEOUT); the same default as the rbl plugin's lookups. */
export const DEFAULT_DNS_TIMEOUT_MS = 5000;
/** The whole SPF evaluation; RFC 7208 §4.6.4 asks for at least 20 seconds. */
export const SPF_TIME_LIMIT_MS = 20_000;
/** DKIM, ARC and DMARC at the end of a message, all lookups together. */
export const MESSAGE_TIME_LIMIT_MS = 30_000;
/** RFC 7208 §4.6.4: DNS-querying terms per SPF check. */
export const SPF_MAX_LOOKUPS = 10;
/** RFC 7208 §4.6.4: lookups with an empty answer ("void") per SPF check. */
export const SPF_MAX_VOID_LOOKUPS = 2;

export interface Policy {
  /** MAILAUTH_SPF_REJECT: refuse MAIL when SPF says fail. */
  spfReject: boolean;
  /** MAILAUTH_DMARC_ENFORCE: refuse on p=reject, mark p=quarantine. */
  dmarcEnforce: boolean;
  /** MAILAUTH_TEMPFAIL: answer 451 on a temporary DNS error instead of recording temperror. */
  tempfail: boolean;
}

export interface SessionSettings {
  /** The authserv-id of our Authentication-Results header (RFC 8601 §2.5). */
  authservId: string;
  dns: ResolverSettings;
}

/** A switch: unset or empty is off (so `+MAILAUTH_SPF_REJECT=` in a rules cdb turns it off), else 1/0, yes/no, … */
function flag(session: Session, name: string): boolean {
  const value = session.getenv(name);
  if (value === undefined || value.trim() === '') return false;
  return envBoolean({ [name]: value }, name, false);
}

export function readPolicy(session: Session): Policy {
  return {
    spfReject: flag(session, 'MAILAUTH_SPF_REJECT'),
    dmarcEnforce: flag(session, 'MAILAUTH_DMARC_ENFORCE'),
    tempfail: flag(session, 'MAILAUTH_TEMPFAIL'),
  };
}

/** control/me under QMAILHOME (the process's shared, rechecked copy), or undefined when there is none. */
function qmailMe(session: Session): string | undefined {
  const home = textString(session.getenv('QMAILHOME') ?? DEFAULT_QMAILHOME);
  try {
    return sharedQmailControl(home).me();
  } catch {
    return undefined;
  }
}

/** MAILAUTH_AUTHSERV_ID, else qmail's control/me, else TCPLOCALHOST, else the host name. */
function authservId(session: Session): string {
  const configured = session.getenv('MAILAUTH_AUTHSERV_ID');
  if (configured !== undefined && configured.trim() !== '') {
    const id = textString(configured.trim());
    if (!isToken(id)) throw new ConfigError('MAILAUTH_AUTHSERV_ID', id, 'a host name or other token without blanks, quotes or ()<>@,;:\\"/[]?=');
    return id;
  }
  const local = session.getenv('TCPLOCALHOST');
  const found = [qmailMe(session), local === undefined ? undefined : textString(local)].find((v) => v !== undefined && isToken(v));
  return found ?? hostname();
}

export function readSessionSettings(session: Session): SessionSettings {
  const timeout = session.getenv('MAILAUTH_DNS_TIMEOUT');
  const queryTimeoutMs =
    timeout === undefined || timeout.trim() === ''
      ? DEFAULT_DNS_TIMEOUT_MS
      : envDuration({ MAILAUTH_DNS_TIMEOUT: timeout }, 'MAILAUTH_DNS_TIMEOUT', DEFAULT_DNS_TIMEOUT_MS, { min: 1, max: SPF_TIME_LIMIT_MS });
  return { authservId: authservId(session), dns: { servers: dnsServers(session), queryTimeoutMs } };
}
