/**
 * `check-fqdn` (reference §5.5): addresses must carry a fully qualified
 * domain. DEFAULTHOST and DEFAULTDOMAIN complete a short address instead of
 * refusing it; SENDER_DOMAINS (colon-separated) limits the sender's domain.
 * It never accepts, it only refuses or passes.
 *
 * A domain with non-ASCII characters (SMTPUTF8) is judged by its A-label
 * form: it must be a valid internationalised host name, and `例え。テスト`
 * counts as qualified because IDNA reads the ideographic full stop as a dot.
 * SENDER_DOMAINS is compared in A-label form on both sides.
 */
import { domainLookupKey } from '@mailfront/core';
import type { AddressArg, PluginModule } from '../engine/plugin.js';
import type { Response } from '../engine/response.js';
import type { Session } from '../engine/session.js';
import { textString } from '../util/binary-string.js';
import { dnsDomain } from '../util/idn.js';

const r = (text: string): Response => ({ code: 554, text: `5.1.2 ${text}` });
const MISSING_DOMAIN = r('Address is missing a domain name');
const NOT_FQDN = r('Address does not contain a fully qualified domain name');
const DISALLOWED_DOMAIN = r('Sender contains a disallowed domain');
const EMPTY_SENDER = r('Empty sender address prohibited');
const EMPTY_RECIPIENT = r('Recipient address may not be empty');
const INVALID_IDN = r('Address contains an invalid internationalized domain name');


/** Completes or refuses an address in place. */
function checkFqdn(session: Session, arg: AddressArg): Response | undefined {
  let at = arg.address.lastIndexOf('@');
  if (at <= 0) {
    const host = session.getenv('DEFAULTHOST');
    if (host === undefined) return MISSING_DOMAIN;
    at = arg.address.length;
    arg.address += '@' + host;
  }
  const domain = dnsDomain(arg.address.slice(at + 1));
  if (domain === undefined) return INVALID_IDN;
  if (!domain.includes('.')) {
    const defaultDomain = session.getenv('DEFAULTDOMAIN');
    if (defaultDomain === undefined) return NOT_FQDN;
    arg.address += '.' + defaultDomain;
  }
  return undefined;
}

export const checkFqdnPlugin: PluginModule = {
  name: 'check-fqdn',
  create: ({ session }) => ({
    sender(arg) {
      if (arg.address !== '') {
        const refused = checkFqdn(session, arg);
        if (refused) return refused;
      }
      const allowed = session.getenv('SENDER_DOMAINS');
      if (allowed === undefined) return undefined;
      const at = arg.address.lastIndexOf('@');
      if (at < 0) return EMPTY_SENDER;
      const domain = domainLookupKey(textString(arg.address.slice(at + 1)));
      return allowed.split(':').some((d) => domainLookupKey(textString(d)) === domain) ? undefined : DISALLOWED_DOMAIN;
    },
    recipient(arg) {
      if (arg.address === '') return EMPTY_RECIPIENT;
      return checkFqdn(session, arg);
    },
  }),
};
