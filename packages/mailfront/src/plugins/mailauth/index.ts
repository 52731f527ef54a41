/**
 * `mailauth`: sender authentication for an MX with the mailauth library.
 * SPF (RFC 7208) is evaluated at MAIL FROM; DKIM (RFC 6376), ARC (RFC 8617)
 * and DMARC (RFC 7489) at the end of the message, from the data streamed
 * block by block. The message then gets `Authentication-Results` (RFC 8601)
 * and `Received-SPF` on top, and loses every Authentication-Results field
 * that claims our authserv-id. The MAILAUTH_* switches (policy.ts) decide
 * whether a failure is refused at SMTP time or only recorded.
 *
 * The message is kept in the temporary file (needFile) because the headers
 * can only be written once the whole message has been seen.
 *
 * Clients that authenticated (AUTH) or have RELAYCLIENT set are our own
 * users and hosts: nothing is checked for them, and their message gets an
 * `auth=pass` result (AUTH) or none; forged fields are removed all the same.
 */
import { isIP } from 'node:net';
import { caresResolver } from '@mailfront/dnsbl';
import type { PluginModule } from '../../engine/plugin.js';
import { INTERNAL_ERROR, type Response } from '../../engine/response.js';
import type { Session } from '../../engine/session.js';
import { textString } from '../../util/binary-string.js';
import { authResultsHeader, formatValue, headerField } from './auth-results.js';
import { HEADER_LIMIT, MessageCheck, type MessageVerdict } from './message-check.js';
import { HEADER_TOO_LARGE, messageRefusal, quarantineMark, spfRefusal } from './policy.js';
import { boundedResolver, type ResolveLike } from './resolver.js';
import { rewriteMessage } from './rewrite.js';
import { MESSAGE_TIME_LIMIT_MS, readPolicy, readSessionSettings, SPF_TIME_LIMIT_MS, type SessionSettings } from './settings.js';
import { checkSpf, type SpfOutcome } from './spf.js';

const trusted = (session: Session) => session.authenticated || session.isSet('RELAYCLIENT');

/** TCPREMOTEIP (TCP6REMOTEIP under PROTO=TCP6) when it is an address. */
function clientIp(session: Session): string | undefined {
  const ip = session.ucspi.remoteIp;
  return ip !== undefined && isIP(ip) !== 0 ? ip : undefined;
}

function summary(spf: SpfOutcome | undefined, v: MessageVerdict | undefined): string {
  const dkim = v ? (v.dkimError ? 'temperror' : v.dkim.map((r) => r.status.result).join(',') || 'none') : '-';
  const dmarc = v?.dmarc ? `${v.dmarc.status.result} (p=${v.dmarc.policy})` : (v?.dmarcSkip ?? 'none');
  return `mailauth: spf=${spf?.result ?? 'none'} dkim=${dkim} arc=${v?.arc?.status.result ?? 'none'} dmarc=${dmarc}`;
}

export const mailauth: PluginModule = {
  name: 'mailauth',
  needFile: true,
  create(ctx) {
    const { session } = ctx;
    let settings: SessionSettings;
    let dns: ResolveLike;
    let spf: Promise<SpfOutcome | undefined> | undefined;
    let check: MessageCheck | undefined;

    const resolverFor = (totalMs: number) => boundedResolver(dns, settings.dns.queryTimeoutMs, totalMs);

    const startSpf = (sender: string, ip: string): Promise<SpfOutcome | undefined> =>
      checkSpf({
        sender,
        ip,
        helo: session.heloDomain === undefined ? undefined : textString(session.heloDomain),
        authservId: settings.authservId,
        resolver: resolverFor(SPF_TIME_LIMIT_MS),
      }).catch((e: Error) => {
        session.log.warn(`mailauth: SPF check failed: ${e.message}`);
        return undefined;
      });

    const abandon = () => {
      check?.abandon();
      check = undefined;
      spf = undefined;
    };

    return {
      init() {
        settings = readSessionSettings(session);
        dns = caresResolver(settings.dns.queryTimeoutMs, settings.dns.servers);
        return undefined;
      },
      reset() {
        abandon();
        return undefined;
      },
      async sender(arg) {
        const policy = readPolicy(session);
        const ip = clientIp(session);
        if (trusted(session) || ip === undefined) return undefined;
        spf = startSpf(textString(arg.address), ip);
        // Without a policy that can refuse, the client need not wait: the
        // result is awaited at the end of the message.
        if (!policy.spfReject && !policy.tempfail) return undefined;
        const outcome = await spf;
        const refusal = outcome && spfRefusal(outcome, ip, policy);
        if (refusal) session.log.info(`mailauth: ${refusal.code} ${refusal.text} (spf=${outcome!.result})`);
        return refusal;
      },
      dataStart() {
        check?.abandon();
        check = trusted(session) ? undefined : new MessageCheck(resolverFor(MESSAGE_TIME_LIMIT_MS));
        return undefined;
      },
      async dataBlock(block) {
        if (check && (await check.write(block)) === 'too-large') {
          abandon();
          return HEADER_TOO_LARGE;
        }
        return undefined;
      },
      async messageEnd(file) {
        if (!file) return undefined; // the engine always gives one to a needFile plugin
        const policy = readPolicy(session);
        const spfOutcome = await spf;
        const verdict = await check?.finish(spfOutcome);
        check = undefined;
        let fields = '';
        if (verdict) {
          const refusal = messageRefusal(verdict, policy);
          session.log.info(summary(spfOutcome, verdict) + (refusal ? `: ${refusal.code} ${refusal.text}` : ''));
          if (refusal) return refusal;
          fields = quarantineMark(verdict, policy);
        }
        const results = [...(spfOutcome ? [spfOutcome.resinfo] : []), ...(verdict?.resinfo ?? [])];
        if (session.auth) results.unshift(`auth=pass smtp.auth=${formatValue(textString(session.auth.user))}`);
        if (results.length > 0) fields = authResultsHeader(settings.authservId, results) + fields;
        if (spfOutcome) fields += headerField(spfOutcome.receivedSpf);
        return rewrite(Buffer.from(fields, 'utf8'));

        async function rewrite(prepend: Buffer): Promise<Response | undefined> {
          const target = ctx.newMessageFile();
          try {
            const r = await rewriteMessage(file!, target, prepend, settings.authservId, 2 * HEADER_LIMIT);
            if (r.removed > 0) session.log.info(`mailauth: removed ${r.removed} Authentication-Results field(s) claiming ${settings.authservId}`);
            if (r.unfiltered) session.log.warn('mailauth: header section too large to look for forged Authentication-Results');
          } catch (e) {
            target.close();
            session.log.warn(`mailauth: cannot write the temporary file: ${(e as Error).message}`);
            return INTERNAL_ERROR;
          }
          ctx.replaceMessage(target);
          return undefined;
        }
      },
      close() {
        abandon();
      },
    };
  },
};
