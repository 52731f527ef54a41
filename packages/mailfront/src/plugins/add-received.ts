/**
 * `add-received` (reference §5.4): puts a Received: header on each message,
 * injected straight into the message so that no other plugin (counters,
 * patterns) sees it. In this order: a "fixup" header for a front end that
 * relays for another host (FIXUP_RECEIVED_HOST/_IP), HEADER_ADD, then the
 * standard header. AUTH_ADD_RECEIVED=0 leaves all of it out for clients
 * that authenticated or have RELAYCLIENT set (mailfront 2.13+).
 *
 * For an SMTPUTF8 transaction the `with` value is the registered one of
 * RFC 6531 §4.3 (UTF8SMTP, with S after STARTTLS and A after AUTH), and host
 * names are shown as U-labels; otherwise the header stays ASCII and
 * mailfront's (`with SMTP` or `with ESMTP`).
 */
import type { PluginModule } from '../engine/plugin.js';
import type { Session } from '../engine/session.js';
import { domainToDisplay } from '@mailfront/core';
import { andThen } from '../util/awaitable.js';
import { binaryBytes, binaryString } from '../util/binary-string.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => String(n).padStart(2, '0');

/** `25 Nov 2026 05:57:17 -0000`, always UTC, as mailfront writes it. */
export function receivedDate(d: Date): string {
  const time = `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
  return `${two(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${time} -0000`;
}

/** Client-supplied text (the HELO name) must not bring control bytes into a header. */
function clean(text: string): string {
  return text.replace(/[\x00-\x1f\x7f]/g, '?');
}

interface Link {
  proto: string;
  localHost: string | undefined;
  localIp: string | undefined;
  remoteHost: string | undefined;
  remoteIp: string | undefined;
  fixupHost: string | undefined;
  fixupIp: string | undefined;
}

function linkOf(session: Session): Link {
  const { ucspi } = session;
  // PROTO=TCP6 marks IPv6 as in mailfront; an IPv6 address under PROTO=TCP
  // (a PROXY header relayed by proxy-env or mailfront-tcpsvd) is one too.
  const ipv6 = ucspi.proto.toUpperCase() === 'TCP6';
  const ip = (a: string | undefined) => (a !== undefined && (ipv6 || a.includes(':')) ? `IPv6:${a}` : a);
  const trimmed = (name: string) => {
    const v = session.processEnv[name]?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  const text = (v: string | undefined) => (v === undefined ? undefined : binaryString(v));
  return {
    proto: binaryString(ucspi.proto),
    localHost: text(ucspi.localHost),
    localIp: text(ip(ucspi.localIp)),
    remoteHost: text(ucspi.remoteHost),
    remoteIp: text(ip(ucspi.remoteIp)),
    fixupHost: trimmed('FIXUP_RECEIVED_HOST'),
    fixupIp: trimmed('FIXUP_RECEIVED_IP'),
  };
}

function fixupHeader(l: Link, date: string): string {
  if (!l.localHost || !l.localIp || !l.fixupHost || !l.fixupIp) return '';
  const same = l.localHost.toLowerCase() === l.fixupHost.toLowerCase() && l.localIp.toLowerCase() === l.fixupIp.toLowerCase();
  if (same) return '';
  return `Received: from ${l.localHost} (${l.localHost} [${l.localIp}])\n  by ${l.fixupHost} ([${l.fixupIp}]); ${date}\n`;
}

/** The `with` keyword: mailfront's protocol name, or RFC 6531's for an SMTPUTF8 transaction. */
export function withKeyword(session: Session): string {
  if (!session.utf8 || !/^E?SMTP$/.test(session.protocol)) return session.protocol;
  return `UTF8SMTP${session.tls ? 'S' : ''}${session.authenticated ? 'A' : ''}`;
}

/** Host names from the environment are A-labels; an SMTPUTF8 header shows them as U-labels. */
function unicodeNames(l: Link): Link {
  const show = (name: string | undefined) => (name === undefined ? undefined : binaryString(domainToDisplay(name)));
  return { ...l, localHost: show(l.localHost), remoteHost: show(l.remoteHost) };
}

function standardHeader(link: Link, session: Session, date: string): string {
  const l = session.utf8 ? unicodeNames(link) : link;
  let from = session.heloDomain !== undefined ? clean(session.heloDomain) : (l.remoteHost ?? l.remoteIp ?? 'unknown');
  if (l.remoteHost !== undefined || l.remoteIp !== undefined) {
    const both = l.remoteHost !== undefined && l.remoteIp !== undefined;
    from += ` (${l.remoteHost ?? ''}${both ? ' ' : ''}${l.remoteIp !== undefined ? `[${l.remoteIp}]` : ''})`;
  }
  let by = l.localHost ?? l.localIp ?? 'unknown';
  if (l.localIp !== undefined) by += ` ([${l.localIp}])`;
  return `Received: from ${from}\n  by ${by}\n  with ${withKeyword(session)} via ${l.proto}; ${date}\n`;
}

export const addReceived: PluginModule = {
  name: 'add-received',
  create({ session, inject }) {
    const link = linkOf(session);
    return {
      dataStart() {
        const trusted = session.authenticated || session.isSet('RELAYCLIENT');
        if (trusted && session.getenv('AUTH_ADD_RECEIVED')?.trim() === '0') return undefined;
        const date = receivedDate(new Date());
        const extra = session.getenv('HEADER_ADD');
        const header =
          fixupHeader(link, date) + (extra !== undefined ? extra + '\n' : '') + standardHeader(link, session, date);
        return andThen(inject(binaryBytes(header)), () => undefined);
      },
    };
  },
};
