/**
 * DKIM (RFC 6376), ARC (RFC 8617) and DMARC (RFC 7489, RFC 9989) for one
 * message, through the mailauth library, streaming: the header section is
 * collected (up to a limit), then it and the body are fed to the library's
 * DKIM verifier block by block as the client sends them, which hashes the
 * body as it goes. At the end ARC and DMARC are evaluated from what the
 * verifier kept and the SPF result of MAIL FROM.
 */
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import type { ARCData, ARCResult, DKIMResult, DKIMVerifyResult, DMARCResult } from 'mailauth';
import { fieldName, HeaderCollector, splitFields } from './header-section.js';
import { loadLibrary } from './load-library.js';
import type { MailauthResolver } from './resolver.js';
import type { SpfOutcome } from './spf.js';

/** The client's header section is held in memory while it is collected: at most this much. */
export const HEADER_LIMIT = 256 * 1024;
/** RFC 6376 §6.1 lets a verifier limit the signatures it tries; the first (newest) ones are verified. */
export const MAX_DKIM_SIGNATURES = 8;
/** Keys shorter than this fail (RFC 8301 §3.2). */
const MIN_KEY_BITS = 1024;

export type DmarcSkip = 'no-author-domain' | 'multiple-author-domains' | 'invalid-author-domain' | 'multiple-from-fields';

export interface MessageVerdict {
  dkim: DKIMResult[];
  /** The verifier failed as a whole (a library error): recorded as dkim=temperror. */
  dkimError: boolean;
  arc: ARCResult | undefined;
  dmarc: DMARCResult | undefined;
  /** Why DMARC could not be evaluated, when it could not. */
  dmarcSkip: DmarcSkip | undefined;
  /** The dkim, arc and dmarc parts of Authentication-Results, in that order. */
  resinfo: string[];
}

const DMARC_SKIP_RESULTS: Record<DmarcSkip, string> = {
  'no-author-domain': 'dmarc=none reason="no author domain in From"',
  'multiple-author-domains': 'dmarc=permerror reason="more than one author domain in From"',
  'invalid-author-domain': 'dmarc=permerror reason="invalid author domain in From"',
  'multiple-from-fields': 'dmarc=permerror reason="more than one From field"',
};

/** Keeps the first MAX_DKIM_SIGNATURES DKIM-Signature fields and every other field. */
function limitSignatures(header: Buffer): Buffer {
  let signatures = 0;
  const fields = splitFields(header).filter((f) => fieldName(f) !== 'dkim-signature' || ++signatures <= MAX_DKIM_SIGNATURES);
  if (signatures <= MAX_DKIM_SIGNATURES) return header;
  return Buffer.concat([...fields, Buffer.from('\n')]);
}

export class MessageCheck {
  readonly #resolver: MailauthResolver;
  readonly #collector = new HeaderCollector(HEADER_LIMIT);
  #input: PassThrough | undefined;
  #verification: Promise<DKIMVerifyResult | Error> | undefined;
  #settled = false;

  constructor(resolver: MailauthResolver) {
    this.#resolver = resolver;
  }

  /** One block of the message as the client sent it; 'too-large' when the header section is over HEADER_LIMIT. */
  async write(block: Buffer): Promise<'ok' | 'too-large'> {
    if (this.#input === undefined) {
      const collected = this.#collector.push(block);
      if (collected.state === 'partial') return 'ok';
      if (collected.state === 'too-large') return 'too-large';
      await this.#start(collected.header);
      block = collected.rest;
    }
    await this.#feed(block);
    return 'ok';
  }

  async #start(header: Buffer): Promise<void> {
    const { dkimVerify } = await loadLibrary();
    const input = new PassThrough();
    this.#input = input;
    this.#verification = dkimVerify(input, { resolver: this.#resolver, minBitLength: MIN_KEY_BITS }).then(
      (r) => r,
      (e: Error) => e,
    );
    void this.#verification.then(() => (this.#settled = true));
    await this.#feed(limitSignatures(header));
  }

  /** Writes with back-pressure; gives up quietly once the verifier has stopped reading. */
  async #feed(bytes: Buffer): Promise<void> {
    const input = this.#input!;
    if (bytes.length === 0 || this.#settled || input.destroyed) return;
    if (!input.write(bytes)) await Promise.race([once(input, 'drain'), this.#verification]);
  }

  /** End of the message: the verdict, given the SPF result of MAIL FROM (if SPF was checked). */
  async finish(spf: SpfOutcome | undefined): Promise<MessageVerdict> {
    if (this.#input === undefined) await this.#start(this.#collector.finish());
    this.#input!.end();
    const verified = await this.#verification!;
    if (verified instanceof Error) {
      return { dkim: [], dkimError: true, arc: undefined, dmarc: undefined, dmarcSkip: undefined, resinfo: ['dkim=temperror reason="verifier error"'] };
    }
    const { arc, evaluateDmarc } = await loadLibrary();
    const arcResult = await arc(verified.arc as unknown as ARCData, { resolver: this.#resolver, minBitLength: MIN_KEY_BITS });
    const evaluated = await evaluateDmarc({
      headerFrom: verified.headerFrom,
      fromFields: verified.fromFields,
      spfDomains: spf?.result === 'pass' && spf.identity === 'mailfrom' ? [spf.domain] : [],
      dkimDomains: verified.results
        .filter((r) => r.status.result === 'pass')
        .map((r) => ({ id: r.id, domain: r.signingDomain!, aligned: r.status.aligned, underSized: r.status.underSized })),
      arcResult,
      resolver: this.#resolver,
    });
    const dmarc = evaluated.response || undefined;
    const dmarcSkip = dmarc ? undefined : evaluated.reason;
    const resinfo = verified.results.length > 0 ? verified.results.map((r) => r.info) : ['dkim=none'];
    resinfo.push(arcResult.info || 'arc=none');
    if (dmarc) resinfo.push(dmarc.info);
    else if (dmarcSkip) resinfo.push(DMARC_SKIP_RESULTS[dmarcSkip]);
    return { dkim: verified.results, dkimError: false, arc: arcResult, dmarc, dmarcSkip, resinfo };
  }

  /** The message was dropped: stop the verifier. */
  abandon(): void {
    this.#input?.destroy();
  }
}
