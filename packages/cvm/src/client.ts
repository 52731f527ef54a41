/**
 * The CVM client: builds a request the way cvm's client library does, sends
 * it to a module or a comma-separated chain of modules, and checks the
 * response.
 *
 *   const cvm = createCvmClient('cvm-local:/run/cvm-qmail.sock');
 *   const r = await cvm.lookup('joe', 'example.org');
 *   if (r.code === 0) r.account.directory;
 *   else if (r.code === 100 && r.outOfScope === 1) "not our domain";
 */
import { lazyCrypto } from '@mailfront/core';
import { Cred, CvmCode } from './constants.js';
import { accountFromFacts, outOfScope, type CvmAccount } from './facts.js';
import { encodeRequestV1, encodeRequestV2, type CvmCredential } from './request-codec.js';
import { decodeResponseV1, decodeResponseV2, type RawFact } from './response-codec.js';
import { generalFailure, parseModuleAddress, type Exchange, type TransportOptions } from './transport.js';
import { exchangeWithCommand } from './transport-command.js';
import { exchangeWithSocket } from './transport-local.js';
import { exchangeWithUdp, UDP_RETRY_DELAYS_MS } from './transport-udp.js';

export interface CvmClientOptions {
  /**
   * Where CVM_LOOKUP_SECRET, CVM_RANDOM_BYTES and CVM_ACCOUNT_SPLIT_CHARS
   * are read, and the environment of command modules. Default: process.env.
   */
  env?: NodeJS.ProcessEnv;
  /**
   * The lookup secret: undefined reads CVM_LOOKUP_SECRET (set, even empty,
   * means a SECRET credential is sent); null sends none; a string is sent.
   */
  lookupSecret?: string | null;
  /** Protocol version of requests (default 2; 1 is cvm's legacy protocol, without nonce or facts past 255). */
  protocol?: 1 | 2;
  /** Upper bound of one command or local exchange in ms (default 10 s; the C client waits forever). */
  timeoutMs?: number;
  /** UDP resend schedule in ms (default 2, 4, 8, 16 s as in cvm). */
  udpRetryDelaysMs?: readonly number[];
}

export interface CvmResult {
  /** 0 success, 100 rejected (permanent), anything else a temporary failure. */
  code: number;
  /** Every fact of the last response, in order (also on failure). */
  facts: RawFact[];
  /** The standard facts, when code is 0. */
  account?: CvmAccount;
  /** The OUTOFSCOPE fact when present and numeric: 1 means "not my domain". */
  outOfScope?: number;
  /** The module of the chain that gave this answer. */
  module: string;
  /**
   * Why there is no answer, when the module gave none (code set by the
   * client): the errno and path, a timeout, an exit status. For logs.
   */
  reason?: string;
}

export interface CvmCallOptions {
  /**
   * Split the account at the last of CVM_ACCOUNT_SPLIT_CHARS (default `@`),
   * its right part replacing the domain, as cvm's client does (default true).
   */
  split?: boolean;
}

export interface CvmClient {
  /** Does the account exist? (No password; the module must be in lookup mode.) */
  lookup(account: string, domain?: string, options?: CvmCallOptions): Promise<CvmResult>;
  /** Checks a password. */
  authenticate(account: string, domain: string | undefined, password: string, options?: CvmCallOptions): Promise<CvmResult>;
  /** Sends exactly these credentials (the lookup secret is added as for the others). */
  request(credentials: readonly CvmCredential[]): Promise<CvmResult>;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_RANDOM_BYTES = 8;

export function createCvmClient(spec: string, options: CvmClientOptions = {}): CvmClient {
  const env = options.env ?? process.env;
  const modules = spec.split(',');
  const usesUdp = modules.some((m) => m.startsWith('cvm-udp:'));
  // Only a UDP answer can be forged by a stranger; the nonce is for that.
  const randomCount = usesUdp ? randomByteCount(env.CVM_RANDOM_BYTES) : 0;
  const secret = options.lookupSecret === undefined ? env.CVM_LOOKUP_SECRET : options.lookupSecret;
  const protocol = options.protocol ?? 2;

  const request = async (credentials: readonly CvmCredential[]): Promise<CvmResult> => {
    const all = [...credentials];
    if (secret !== null && secret !== undefined && !all.some((c) => c.type === Cred.SECRET)) {
      all.push({ type: Cred.SECRET, value: Buffer.from(secret, 'utf8') });
    }
    // node:crypto costs start-up time; only UDP requests carry random bytes.
    const random = randomCount > 0 ? lazyCrypto().randomBytes(randomCount) : Buffer.alloc(0);
    const encoded = protocol === 2 ? encodeRequestV2(random, all) : encodeRequestV1(all);
    if (!encoded.ok) return { code: encoded.code, facts: [], module: modules[0]!, reason: encoded.reason };
    const transport: TransportOptions = {
      env,
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      udpRetryDelaysMs: options.udpRetryDelaysMs ?? UDP_RETRY_DELAYS_MS,
      random,
    };
    let result: CvmResult | undefined;
    for (const module of modules) {
      const exchange = await exchange1(module, encoded.packet, transport);
      result = interpret(module, exchange, protocol, random);
      // Try the next module only after a rejection that does not say "mine" (OUTOFSCOPE 0).
      if (result.code !== CvmCode.PERMFAIL || result.outOfScope === 0) break;
    }
    return result!;
  };

  return {
    request,
    lookup: (account, domain, call) => request(accountCredentials(env, account, domain, undefined, call?.split ?? true)),
    authenticate: (account, domain, password, call) =>
      request(accountCredentials(env, account, domain, password, call?.split ?? true)),
  };
}

function exchange1(module: string, packet: Buffer, options: TransportOptions): Promise<Exchange> {
  const address = parseModuleAddress(module);
  if (address === undefined) return Promise.resolve(generalFailure('not a valid cvm-udp:HOST:PORT address'));
  if (address.kind === 'udp') return exchangeWithUdp(address.host, address.port, packet, options);
  if (address.kind === 'local') return exchangeWithSocket(address.path, packet, options);
  return exchangeWithCommand(address.path, packet, options);
}

function interpret(module: string, exchange: Exchange, protocol: 1 | 2, random: Buffer): CvmResult {
  if (!exchange.ok) return { code: exchange.code, facts: [], module, reason: exchange.reason };
  const decoded = protocol === 2 ? decodeResponseV2(exchange.response, random) : decodeResponseV1(exchange.response);
  const result: CvmResult = { code: decoded.code, facts: decoded.facts, module };
  const scope = outOfScope(decoded.facts);
  if (scope !== undefined) result.outOfScope = scope;
  if (decoded.code === CvmCode.OK) {
    const account = accountFromFacts(decoded.facts);
    if (account === undefined) return { code: CvmCode.BAD_MODDATA, facts: decoded.facts, module };
    result.account = account;
  }
  return result;
}

/**
 * ACCOUNT, DOMAIN (when not empty), PASSWORD (when not empty), with cvm's
 * account splitting: the text after the last split character replaces the
 * domain; a DOMAIN given as an argument stays even when that text is empty.
 */
export function accountCredentials(
  env: NodeJS.ProcessEnv,
  account: string,
  domain: string | undefined,
  password: string | undefined,
  split: boolean,
): CvmCredential[] {
  let name = account;
  let realm = domain !== undefined && domain !== '' ? domain : undefined;
  if (split) {
    const chars = env.CVM_ACCOUNT_SPLIT_CHARS ?? '@';
    let at = -1;
    for (const c of chars) at = Math.max(at, name.lastIndexOf(c));
    if (at !== -1) {
      const after = name.slice(at + 1);
      name = name.slice(0, at);
      if (realm !== undefined || after !== '') realm = after;
    }
  }
  const credentials: CvmCredential[] = [{ type: Cred.ACCOUNT, value: Buffer.from(name, 'utf8') }];
  if (realm !== undefined) credentials.push({ type: Cred.DOMAIN, value: Buffer.from(realm, 'utf8') });
  if (password !== undefined && password !== '') credentials.push({ type: Cred.PASSWORD, value: Buffer.from(password, 'utf8') });
  return credentials;
}

/** CVM_RANDOM_BYTES read as atoi does (default 8), kept within 0..255. */
function randomByteCount(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_RANDOM_BYTES;
  const match = /^\s*([0-9]+)/.exec(raw);
  return match ? Math.min(Number(match[1]), 255) : 0;
}
