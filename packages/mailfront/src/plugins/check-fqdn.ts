/**
 * `check-fqdn` (reference §5.5): addresses must carry a fully qualified
 * domain. DEFAULTHOST and DEFAULTDOMAIN complete a short address instead of
 * refusing it; SENDER_DOMAINS (colon-separated) limits the sender's domain.
 * It never accepts, it only refuses or passes.
 */
import type { AddressArg, PluginModule } from '../engine/plugin.js';
import type { Response } from '../engine/response.js';
import type { Session } from '../engine/session.js';

const r = (text: string): Response => ({ code: 554, text: `5.1.2 ${text}` });
const MISSING_DOMAIN = r('Address is missing a domain name');
const NOT_FQDN = r('Address does not contain a fully qualified domain name');
const DISALLOWED_DOMAIN = r('Sender contains a disallowed domain');
const EMPTY_SENDER = r('Empty sender address prohibited');
const EMPTY_RECIPIENT = r('Recipient address may not be empty');

/** Completes or refuses an address in place. */
function checkFqdn(session: Session, arg: AddressArg): Response | undefined {
  let at = arg.address.lastIndexOf('@');
  if (at <= 0) {
    const host = session.getenv('DEFAULTHOST');
    if (host === undefined) return MISSING_DOMAIN;
    at = arg.address.length;
    arg.address += '@' + host;
  }
  if (arg.address.lastIndexOf('.') < at) {
    const domain = session.getenv('DEFAULTDOMAIN');
    if (domain === undefined) return NOT_FQDN;
    arg.address += '.' + domain;
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
      const domain = arg.address.slice(at + 1).toLowerCase();
      return allowed.split(':').some((d) => d.toLowerCase() === domain) ? undefined : DISALLOWED_DOMAIN;
    },
    recipient(arg) {
      if (arg.address === '') return EMPTY_RECIPIENT;
      return checkFqdn(session, arg);
    },
  }),
};
