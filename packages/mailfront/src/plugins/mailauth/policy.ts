/**
 * What the results mean for the client, by the MAILAUTH_* switches: the
 * refusals (at SMTP time, RFC 8601 §4.2, so no bounce is ever sent to a
 * forged sender) and the quarantine mark. Every reply is here, next to
 * the condition that produces it.
 */
import type { Response } from '../../engine/response.js';
import { HEADER_LIMIT, type MessageVerdict } from './message-check.js';
import type { Policy } from './settings.js';
import type { SpfOutcome } from './spf.js';

/** Peer-chosen text (a domain) in a reply: printable ASCII only, bounded. */
const shown = (text: string) => text.replace(/[^\x21-\x7e]/g, '?').slice(0, 255);

/** RFC 7208 §8.4: fail → 550 5.7.1 (with MAILAUTH_SPF_REJECT). */
export const spfFailReply = (domain: string, ip: string): Response => ({
  code: 550,
  text: `5.7.1 SPF: ${shown(domain)} does not allow ${shown(ip)} to send its mail`,
});
/** RFC 7208 §8.6: temperror → 451 4.4.3 (with MAILAUTH_TEMPFAIL). */
export const SPF_TEMPERROR: Response = { code: 451, text: '4.4.3 SPF: temporary DNS error, try again later' };
/** A DKIM key could not be fetched and no other signature passed (with MAILAUTH_TEMPFAIL). */
export const DKIM_TEMPERROR: Response = { code: 451, text: '4.4.3 DKIM: temporary DNS error, try again later' };
/** The DMARC record could not be fetched (with MAILAUTH_TEMPFAIL). */
export const DMARC_TEMPERROR: Response = { code: 451, text: '4.4.3 DMARC: temporary DNS error, try again later' };
/** DMARC fail under p=reject (with MAILAUTH_DMARC_ENFORCE). */
export const dmarcRejectReply = (domain: string): Response => ({
  code: 550,
  text: `5.7.1 DMARC: the policy of ${shown(domain)} rejects this message`,
});
/** RFC 9989 §5.3.1, §11.5: no single author domain to check (with MAILAUTH_DMARC_ENFORCE). */
export const DMARC_AMBIGUOUS_FROM: Response = { code: 550, text: '5.7.1 DMARC: the From field must name exactly one author domain' };
/** The header section is held in memory while it is checked, so its size is bounded. */
export const HEADER_TOO_LARGE: Response = { code: 552, text: `5.3.4 Message header section exceeds ${HEADER_LIMIT} bytes` };

/** The header a message gets when its DMARC policy asks for quarantine (with MAILAUTH_DMARC_ENFORCE). */
export const QUARANTINE_FIELD = 'X-Mailfront-Quarantine';

export function spfRefusal(spf: SpfOutcome, ip: string, policy: Policy): Response | undefined {
  if (spf.result === 'fail' && policy.spfReject) return spfFailReply(spf.domain, ip);
  if (spf.result === 'temperror' && policy.tempfail) return SPF_TEMPERROR;
  return undefined;
}

export function messageRefusal(v: MessageVerdict, policy: Policy): Response | undefined {
  if (policy.tempfail) {
    const dkimPassed = v.dkim.some((r) => r.status.result === 'pass');
    if (v.dkimError || (!dkimPassed && v.dkim.some((r) => r.status.result === 'temperror'))) return DKIM_TEMPERROR;
    if (v.dmarc?.status.result === 'temperror') return DMARC_TEMPERROR;
  }
  if (!policy.dmarcEnforce) return undefined;
  if (v.dmarcSkip === 'multiple-from-fields' || v.dmarcSkip === 'multiple-author-domains') return DMARC_AMBIGUOUS_FROM;
  if (v.dmarc?.status.result === 'fail' && v.dmarc.policy === 'reject') return dmarcRejectReply(v.dmarc.status.header?.from ?? v.dmarc.domain);
  return undefined;
}

/** The quarantine mark (a header line), or '' when the message gets none. */
export function quarantineMark(v: MessageVerdict, policy: Policy): string {
  if (!policy.dmarcEnforce || v.dmarc?.status.result !== 'fail' || v.dmarc.policy !== 'quarantine') return '';
  return `${QUARANTINE_FIELD}: DMARC policy of ${shown(v.dmarc.status.header?.from ?? v.dmarc.domain)}\n`;
}
