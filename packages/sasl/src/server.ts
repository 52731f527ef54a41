/**
 * One SASL exchange on the server side, independent of the protocol that
 * carries it: the protocol calls start() for `AUTH mech [initial]`, sends
 * each challenge with its own prefix (`334 ` in SMTP, `+ ` in POP3), and
 * passes every answer line to step() until the result is a success or a
 * failure.
 *
 *   const sasl = new SaslServer({ env, domain: 'mx.example.com', hostname: 'mx.example.com' });
 *   let r = await sasl.start('PLAIN', initialResponse);
 *   while (r.kind === 'challenge') r = await sasl.step(await readLine());
 *
 * Passwords never appear in a result, a log text or an exception.
 */
import { createCvmClient, Cred, CvmCode, accountCredentials, describeCvmFailure, type CvmAccount, type CvmClient, type CvmResult, type RawFact } from '@mailfront/cvm';
import { loggableVerb, type Env } from '@mailfront/core';
import { decodeBase64, encodeBase64 } from './base64.js';
import { saslMechanismsFromEnv, type MechanismName, type SaslMechanism } from './config.js';
import {
  cramMd5Challenge,
  fitsCvm,
  LOGIN_PASSWORD_CHALLENGE,
  LOGIN_USERNAME_CHALLENGE,
  MALFORMED,
  parseCramMd5,
  parseLoginField,
  parsePlain,
  type Credentials,
} from './mechanisms.js';
import {
  AUTH_FAILED,
  AUTH_SUCCEEDED,
  BAD_RESPONSE,
  END_OF_FILE,
  INITIAL_RESPONSE_NOT_ALLOWED,
  INTERNAL_ERROR,
  NO_EXCHANGE,
  UNKNOWN_MECHANISM,
  type SaslReply,
} from './replies.js';

export interface SaslServerOptions {
  /** CVM_SASL_* and the CVM client's variables (CVM_ACCOUNT_SPLIT_CHARS, CVM_RANDOM_BYTES). */
  env: Env;
  /** The DOMAIN credential sent with every account (usually ${PROTO}LOCALHOST); a `user@domain` account overrides it. */
  domain?: string;
  /** The host name in CRAM-MD5 challenges (default `unknown`). */
  hostname?: string;
  /** The mechanisms; default: saslMechanismsFromEnv(env). */
  mechanisms?: readonly SaslMechanism[];
  /** Makes the CVM client for a module (tests); default createCvmClient in authentication mode. */
  createClient?: (cvm: string) => CvmClient;
}

export type SaslStep =
  /** Send `prefix + data` (base64, possibly empty) and pass the answer line to step(). */
  | { kind: 'challenge'; data: string }
  | {
      kind: 'success';
      mechanism: MechanismName;
      /** The CVM's facts, typed; accountEnvironment(account) gives the variables to export. */
      account: CvmAccount;
      facts: RawFact[];
      reply: SaslReply;
      /** `SASL AUTH MECH username=...`, for the protocol's log. */
      log: string;
    }
  | {
      kind: 'failure';
      /** code and text to show the client (SMTP codes; POP3 shows `-ERR text`). */
      reply: SaslReply;
      /** `SASL AUTH MECH failed[: aborted | : bad response]`. */
      log: string;
      /** The CVM could not answer (451): a temporary failure rather than a wrong password. */
      temporary: boolean;
    };

type Pending =
  | { mechanism: 'PLAIN' }
  | { mechanism: 'LOGIN'; username?: string }
  | { mechanism: 'CRAM-MD5'; challenge: string };

export class SaslServer {
  readonly #options: SaslServerOptions;
  readonly #mechanisms: readonly SaslMechanism[];
  readonly #clients = new Map<string, CvmClient>();
  #pending: Pending | undefined;

  constructor(options: SaslServerOptions) {
    this.#options = options;
    this.#mechanisms = options.mechanisms ?? saslMechanismsFromEnv(options.env);
  }

  /** The mechanism names to advertise, in libcvm-sasl's order: LOGIN, PLAIN, CRAM-MD5. */
  get mechanisms(): readonly MechanismName[] {
    return this.#mechanisms.map((m) => m.name);
  }

  /** Is an exchange waiting for step()? */
  get inProgress(): boolean {
    return this.#pending !== undefined;
  }

  /** `AUTH mechanism [initialResponse]`; the mechanism name is matched in any case. */
  async start(mechanism: string, initialResponse?: string): Promise<SaslStep> {
    this.#pending = undefined;
    const name = mechanism.toUpperCase();
    const known = this.#mechanisms.find((m) => m.name === name);
    // What the client sent as a mechanism may run on into its credentials
    // (`AUTH PLAIN<TAB>base64`): only its leading name characters are logged.
    if (known === undefined) return failure(UNKNOWN_MECHANISM, `SASL AUTH ${loggableVerb(name)} failed`);
    if (known.name === 'CRAM-MD5') {
      if (initialResponse !== undefined) return failure(INITIAL_RESPONSE_NOT_ALLOWED, 'SASL AUTH CRAM-MD5 failed');
      const challenge = cramMd5Challenge(this.#options.hostname ?? 'unknown');
      this.#pending = { mechanism: 'CRAM-MD5', challenge };
      return { kind: 'challenge', data: encodeBase64(challenge) };
    }
    if (known.name === 'LOGIN' && initialResponse === undefined) {
      this.#pending = { mechanism: 'LOGIN' };
      return { kind: 'challenge', data: encodeBase64(LOGIN_USERNAME_CHALLENGE) };
    }
    this.#pending = { mechanism: known.name };
    // RFC 4954: `=` is an empty initial response; PLAIN without one gets an empty challenge.
    if (initialResponse === undefined) return { kind: 'challenge', data: '' };
    return this.#answer(initialResponse === '=' ? Buffer.alloc(0) : decodeBase64(initialResponse));
  }

  /** The client's answer to the last challenge; null when the connection ended. */
  async step(response: string | null): Promise<SaslStep> {
    const pending = this.#pending;
    if (pending === undefined) return failure(NO_EXCHANGE, 'SASL AUTH failed: no exchange in progress');
    if (response === null) {
      this.#pending = undefined;
      return failure(END_OF_FILE, `SASL AUTH ${pending.mechanism} failed`);
    }
    if (response === '' || response.startsWith('*')) {
      this.#pending = undefined;
      return failure(AUTH_FAILED, `SASL AUTH ${pending.mechanism} failed: aborted`);
    }
    return this.#answer(decodeBase64(response));
  }

  async #answer(data: Buffer | undefined): Promise<SaslStep> {
    const pending = this.#pending!;
    const name = pending.mechanism;
    const bad = () => {
      this.#pending = undefined;
      return failure(BAD_RESPONSE, `SASL AUTH ${name} failed: bad response`);
    };
    if (data === undefined) return bad();
    let credentials: Credentials | typeof MALFORMED;
    if (pending.mechanism === 'LOGIN') {
      const field = parseLoginField(data);
      if (field === MALFORMED) return bad();
      if (pending.username === undefined) {
        this.#pending = { mechanism: 'LOGIN', username: field };
        return { kind: 'challenge', data: encodeBase64(LOGIN_PASSWORD_CHALLENGE) };
      }
      credentials = { kind: 'password', username: pending.username, password: field };
    } else if (pending.mechanism === 'PLAIN') {
      credentials = parsePlain(data);
    } else {
      credentials = parseCramMd5(data, pending.challenge);
    }
    if (credentials === MALFORMED) return bad();
    this.#pending = undefined;
    return this.#check(name, credentials);
  }

  async #check(name: MechanismName, credentials: Credentials): Promise<SaslStep> {
    if (!fitsCvm(credentials)) return failure(AUTH_FAILED, `SASL AUTH ${name} failed`);
    const cvm = this.#mechanisms.find((m) => m.name === name)!.cvm;
    const result = await this.#ask(cvm, credentials);
    if (result.code === CvmCode.OK && result.account !== undefined) {
      const { account } = result;
      let log = `SASL AUTH ${name} username=${account.username}`;
      if (account.sysUsername !== undefined) log += ` sys_username=${account.sysUsername}`;
      if (account.domain !== undefined) log += ` domain=${account.domain}`;
      return { kind: 'success', mechanism: name, account, facts: result.facts, reply: AUTH_SUCCEEDED, log };
    }
    if (result.code === CvmCode.PERMFAIL) return failure(AUTH_FAILED, `SASL AUTH ${name} failed`);
    return failure(INTERNAL_ERROR, `SASL AUTH ${name} failed: CVM error: ${describeCvmFailure(result)}`, true);
  }

  #ask(cvm: string, credentials: Credentials): Promise<CvmResult> {
    const client = this.#client(cvm);
    const { env, domain } = this.#options;
    if (credentials.kind === 'password') return client.authenticate(credentials.username, domain, credentials.password);
    return client.request([
      ...accountCredentials(env, credentials.username, domain, undefined, true),
      { type: Cred.CHALLENGE, value: Buffer.from(credentials.challenge, 'utf8') },
      { type: Cred.RESPONSE, value: credentials.digest },
      { type: Cred.RESPONSE_TYPE, value: Buffer.from('CRAM-MD5') },
    ]);
  }

  #client(cvm: string): CvmClient {
    let client = this.#clients.get(cvm);
    if (client === undefined) {
      client = this.#options.createClient?.(cvm) ?? createCvmClient(cvm, { env: authenticationEnv(this.#options.env), lookupSecret: null });
      this.#clients.set(cvm, client);
    }
    return client;
  }
}

function failure(reply: SaslReply, log: string, temporary = false): SaslStep {
  return { kind: 'failure', reply, log, temporary };
}

/**
 * The environment of the CVM client and of command modules, without
 * CVM_LOOKUP_SECRET: a command module inherits it, and with it set (even
 * empty) the module would run in lookup mode and never check the password.
 */
export function authenticationEnv(env: Env): Env {
  const { CVM_LOOKUP_SECRET: _secret, ...rest } = env;
  return rest;
}
