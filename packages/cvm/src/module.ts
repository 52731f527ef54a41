/**
 * The module side: what a credential module implements, and how one
 * request is answered (cvm's module_request.c order):
 *
 *   1. parse the request (error 2 for anything malformed);
 *   2. in lookup mode with a non-empty CVM_LOOKUP_SECRET, the SECRET
 *      credential must match it, else 7, before any lookup;
 *   3. lookup: find the account (a failure may carry OUTOFSCOPE);
 *   4. authentication mode (CVM_LOOKUP_SECRET unset): authenticate;
 *   5. success: the account's standard facts.
 */
import { lazyCrypto, type Logger } from '@mailfront/core';
import { Cred, CvmCode, Fact } from './constants.js';
import { factsFromAccount, type CvmAccount } from './facts.js';
import { parseRequest } from './request-codec.js';
import { encodeResponse, type RawFact } from './response-codec.js';

/** The credentials of one request. Empty values count as absent. */
export class CvmRequest {
  constructor(readonly credentials: Array<Buffer | undefined>) {}

  /** The raw bytes of a credential, or undefined when absent or empty. */
  bytes(type: number): Buffer | undefined {
    const value = this.credentials[type];
    return value === undefined || value.length === 0 ? undefined : value;
  }

  /** A credential as text (UTF-8), or undefined when absent or empty. */
  text(type: number): string | undefined {
    return this.bytes(type)?.toString('utf8');
  }

  get account(): string {
    return this.text(Cred.ACCOUNT) ?? '';
  }

  get domain(): string | undefined {
    return this.text(Cred.DOMAIN);
  }

  /** Replaces the domain (cvm-qmail fills in envnoathost; the log shows the result). */
  set domain(value: string | undefined) {
    this.credentials[Cred.DOMAIN] = value === undefined ? undefined : Buffer.from(value, 'utf8');
  }
}

export type CvmLookupResult =
  | { code: 0; account: CvmAccount }
  /** A failure; `outOfScope` adds the OUTOFSCOPE fact (true: "not my domain, ask the next module"). */
  | { code: number; outOfScope?: boolean };

export interface CvmModule {
  /** Runs once before the first request; a non-zero code ends the program with that status. */
  init?(): number | void | Promise<number | void>;
  lookup(request: CvmRequest): CvmLookupResult | Promise<CvmLookupResult>;
  /**
   * Checks the password; only called in authentication mode. Without it
   * the module answers 6 (Configuration error), as lookup-only cvm-qmail does.
   */
  authenticate?(request: CvmRequest, account: CvmAccount): number | Promise<number>;
  /** Runs once when a server stops. */
  stop?(): void | Promise<void>;
}

/** The module's lookup-mode setting, read once at start (the three states of CVM_LOOKUP_SECRET). */
export interface ModuleConfig {
  /** undefined: authentication mode; '': lookup mode, no secret; otherwise the secret a request must carry. */
  lookupSecret: string | undefined;
}

export interface Answer {
  reply: Buffer;
  /** The code sent, also a command module's exit status. */
  code: number;
  /** What a server logs: `+ ` (0), `- ` (100) or `? `, then account[@domain]; undefined when the request did not parse. */
  logLine: string | undefined;
  /** An exception the module threw; the request was answered with 4 (a temporary error). */
  failure?: Error;
  /**
   * Why the request was refused before the module was asked, when that is a
   * setting (7: the lookup secret is missing or wrong; 6: authentication
   * mode in a lookup-only module). For the log; never the secret itself.
   */
  reason?: string;
}

/** Why a request got 7 or 6 from the module side. */
export const NO_SECRET_SENT = 'the request carries no lookup secret, and CVM_LOOKUP_SECRET is set here: give the client the same CVM_LOOKUP_SECRET';
export const WRONG_SECRET = "the request's lookup secret is not this module's CVM_LOOKUP_SECRET";
export const LOOKUP_ONLY =
  'CVM_LOOKUP_SECRET is unset, so the module is in authentication mode, and it checks no passwords: set CVM_LOOKUP_SECRET (an empty value for no secret)';

/** The log lines of one answered request, the same in every kind of server. */
export function logAnswer(log: Logger, answer: Answer, withLogLine = true): void {
  if (answer.failure) log.warn(`module failed: ${answer.failure.message}`);
  if (answer.reason) log.warn(`answered ${answer.code}${answer.logLine ? ` for ${answer.logLine.slice(2)}` : ''}: ${answer.reason}`);
  if (withLogLine && answer.logLine !== undefined) log.info(answer.logLine);
}

export async function answerRequest(module: CvmModule, packet: Buffer, config: ModuleConfig): Promise<Answer> {
  const parsed = parseRequest(packet, config.lookupSecret === undefined ? Cred.PASSWORD : Cred.SECRET);
  if (parsed.code !== CvmCode.OK) {
    const { packet: reply, code } = encodeResponse(parsed.version, parsed.code, parsed.random, []);
    return { reply, code, logLine: undefined };
  }
  const request = new CvmRequest(parsed.credentials);
  const facts: RawFact[] = [];
  let code: number;
  let failure: Error | undefined;
  const why: { reason?: string } = {};
  try {
    code = await decide(module, request, config, facts, why);
  } catch (e) {
    // A module bug must not take a server down, nor read as "no such account".
    failure = e instanceof Error ? e : new Error(String(e));
    code = CvmCode.IO;
    facts.length = 0;
  }
  const encoded = encodeResponse(parsed.version, code, parsed.random, facts);
  const answer: Answer = { reply: encoded.packet, code: encoded.code, logLine: logLine(encoded.code, request) };
  if (failure) answer.failure = failure;
  if (why.reason) answer.reason = why.reason;
  return answer;
}

async function decide(module: CvmModule, request: CvmRequest, config: ModuleConfig, facts: RawFact[], why: { reason?: string }): Promise<number> {
  if (config.lookupSecret) {
    const sent = request.bytes(Cred.SECRET);
    if (!secretMatches(sent, config.lookupSecret)) {
      why.reason = sent === undefined ? NO_SECRET_SENT : WRONG_SECRET;
      return CvmCode.NOCRED;
    }
  }
  const found = await module.lookup(request);
  if (found.code !== CvmCode.OK || !('account' in found)) {
    if ('outOfScope' in found && found.outOfScope !== undefined) {
      facts.push({ type: Fact.OUTOFSCOPE, value: Buffer.from(found.outOfScope ? '1' : '0') });
    }
    return found.code === CvmCode.OK ? CvmCode.GENERAL : found.code;
  }
  if (config.lookupSecret === undefined) {
    if (!module.authenticate) {
      why.reason = LOOKUP_ONLY;
      return CvmCode.CONFIG;
    }
    const code = await module.authenticate(request, found.account);
    if (code !== CvmCode.OK) return code;
  }
  facts.push(...factsFromAccount(found.account));
  return CvmCode.OK;
}

/** Compares in constant time, so the answer's timing says nothing about the secret. */
function secretMatches(given: Buffer | undefined, secret: string): boolean {
  if (given === undefined) return false;
  const expected = Buffer.from(secret, 'utf8');
  return given.length === expected.length && lazyCrypto().timingSafeEqual(given, expected);
}

function logLine(code: number, request: CvmRequest): string {
  const mark = code === CvmCode.OK ? '+' : code === CvmCode.PERMFAIL ? '-' : '?';
  const domain = request.domain;
  return `${mark} ${request.account}${domain === undefined ? '' : '@' + domain}`;
}
