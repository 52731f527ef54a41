/**
 * `rbl` (reference §5.15, with mailfront 2.13's RBL_WHITELISTS): refuses
 * clients listed in DNS block lists, with `451 Blocked: <reason>` at MAIL.
 *
 * Modern DNSBL practice beyond the C plugin (docs/compat.md): the lists are
 * asked concurrently, for A (which decides) and TXT (the reason); an answer
 * in 127.255.255.0/24 or outside 127/8 is an error from the list, logged,
 * never a listing; a lookup that fails or times out lets the client through
 * (logged) unless RBL_FAILCLOSED is set; IPv6 clients are looked up too.
 * The lookups start before the greeting and are awaited at the first MAIL,
 * so DNS latency overlaps the client's EHLO.
 *
 * Capture mode (RBL_QUEUEDIR): a listed client's messages are written to a
 * queuedir (RBL_QUEUEDIR_TMP, _DEST, _NOSYNC) and refused at message end.
 */
import { isIP } from 'node:net';
import { checkAllowList, checkBlockList, DnsblResolver, printableText, type DnsblResult } from '@mailfront/dnsbl';
import { queuedirBackend } from '../backends/queuedir.js';
import type { Hooks, PluginModule } from '../engine/plugin.js';
import type { Response } from '../engine/response.js';
import type { Session } from '../engine/session.js';
import { dnsServers } from '../util/dns-servers.js';

const REASON_MAX = 200;
const DNS_ERROR: Response = { code: 451, text: '4.3.0 DNS error doing RBL lookup' };

const blocked = (reason: string): Response => ({ code: 451, text: `Blocked: ${printableText(reason, REASON_MAX)}` });

type Verdict = { listed: false } | { listed: true; reason: string } | { failed: string };

function zones(session: Session, name: string): string[] {
  return (session.getenv(name) ?? '').split(',').map((z) => z.trim()).filter(Boolean);
}

function describe(r: Extract<DnsblResult, { status: 'error' }>): string {
  return `${r.zone}: ${r.detail}`;
}

/** Asks every list at once; an allow-list hit wins; then the first block list (in order) that lists the client. */
async function decide(session: Session, resolver: DnsblResolver, ip: string): Promise<Verdict> {
  const allow = zones(session, 'RBL_WHITELISTS');
  const block = zones(session, 'RBL_BLACKLISTS');
  const [allowed, listed] = await Promise.all([
    Promise.all(allow.map((z) => checkAllowList(resolver, ip, z))),
    Promise.all(block.map((z) => checkBlockList(resolver, ip, z))),
  ]);
  const debug = session.isSet('RBL_DEBUG');
  for (const r of [...allowed, ...listed]) {
    if (r.status === 'error') session.log.warn(`rbl: ${describe(r)}`);
    else if (debug) session.log.info(`rbl: ${r.zone}: ${r.status}${r.status === 'listed' && r.text ? ` ${r.text}` : ''}`);
  }
  // Every block list that lists the client is a hit, even when an allow list wins (mailfront-tcpsvd's metrics).
  for (const r of listed) if (r.status === 'listed') session.count(`dnsbl_hits:${r.zone}`);
  if (allowed.some((r) => r.status === 'listed')) return { listed: false };
  const hit = listed.find((r) => r.status === 'listed');
  if (hit?.status === 'listed') return { listed: true, reason: hit.text || `listed by ${hit.zone}` };
  const failure = [...allowed, ...listed].find((r) => r.status === 'error');
  return failure?.status === 'error' ? { failed: describe(failure) } : { listed: false };
}

export const rbl: PluginModule = {
  name: 'rbl',
  create(ctx) {
    const { session } = ctx;
    let verdict: Promise<Verdict> | undefined;
    const capture: Hooks | undefined = session.getenv('RBL_QUEUEDIR') ? queuedirBackend('RBL_QUEUEDIR', 'rbl').create(ctx) : undefined;
    let refusal: Response | undefined;

    /** The answer for this client: undefined to let it through. */
    const judge = async (): Promise<Response | undefined> => {
      if (!verdict) return undefined;
      const v = await verdict;
      if ('failed' in v) return session.isSet('RBL_FAILCLOSED') ? DNS_ERROR : undefined;
      return v.listed ? blocked(v.reason) : undefined;
    };

    return {
      init() {
        if (zones(session, 'RBL_BLACKLISTS').length === 0) {
          if (session.isSet('RBL_DEBUG')) session.log.info('{rbl: No blacklists, skipping}');
          return undefined;
        }
        // mailfront reads this variable literally, whatever PROTO says.
        const ip = session.getenv('TCPREMOTEIP');
        if (ip === undefined || ip === '') {
          if (session.isSet('RBL_DEBUG')) session.log.info('{rbl: $TCPREMOTEIP is unset, skipping RBL tests}');
          return undefined;
        }
        if (isIP(ip) === 0) {
          session.log.warn(`{rbl: Cannot parse IP '${ip}'}`);
          return undefined;
        }
        const resolver = new DnsblResolver({ servers: dnsServers(session) });
        verdict = decide(session, resolver, ip).catch((e: Error) => ({ failed: e.message }));
        return undefined;
      },
      async sender(arg) {
        refusal = await judge();
        if (refusal && capture) return capture.sender!(arg);
        return refusal;
      },
      recipient: (arg) => (refusal && capture ? capture.recipient!(arg) : undefined),
      dataStart: (file) => (refusal && capture ? capture.dataStart!(file) : undefined),
      dataBlock: (block) => (refusal && capture ? capture.dataBlock!(block) : undefined),
      async messageEnd(file) {
        if (!refusal || !capture) return undefined;
        await capture.messageEnd!(file);
        return refusal;
      },
      reset: () => capture?.reset?.(),
      close: () => capture?.close?.(),
    };
  },
};
