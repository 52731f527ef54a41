/**
 * The AUTHORIZATION state: USER/PASS and AUTH (SASL through
 * @mailfront/sasl), CAPA, STLS and QUIT, with pop3front-auth's replies and
 * limits (reference §7.2). It ends with an authenticated account or an exit
 * status; what happens next (serve the Maildir, or exec a program) is the
 * caller's business.
 */
import type { Env } from '@mailfront/core';
import { createCvmClient, CvmCode, describeCvmFailure, type CvmAccount, type CvmClient } from '@mailfront/cvm';
import { authenticationEnv, parseAuthArgument, SaslServer } from '@mailfront/sasl';
import type { AuthConfig } from './config.js';
import type { Command, Pop3Connection } from './connection.js';
import { AUTH_FAILED, INTERNAL_ERROR, OK, SEND_USER_FIRST, SYNTAX_ERROR, TLS_REQUIRED, TOO_MANY_USER, UNIMPLEMENTED } from './replies.js';
import { authorizationCapabilities, mayAuthenticate, stls } from './stls.js';

export type AuthOutcome = { kind: 'authenticated'; account: CvmAccount } | { kind: 'exit'; code: number };

/**
 * What a command came to: an account, a failed attempt (counted), the end
 * of the session ('exit', status 0), or a connection that can no longer be
 * used ('broken', status 1: a failed TLS handshake).
 */
type Attempt = CvmAccount | 'failed' | 'exit' | 'broken';

/** Commands that carry credentials, refused before TLS under AUTH_REQUIRES_TLS. */
const CREDENTIAL_COMMANDS = new Set(['AUTH', 'USER', 'PASS']);
/** The commands of this state; others are `-ERR Unimplemented` and logged by verb only. */
const KNOWN_VERBS = new Set(['CAPA', 'STLS', 'AUTH', 'USER', 'PASS', 'QUIT']);
const isKnown = (verb: string) => KNOWN_VERBS.has(verb);

export class AuthStage {
  readonly sasl: SaslServer;
  readonly #cvm: CvmClient;
  #user: string | undefined;
  #userCommands = 0;
  #failures = 0;

  constructor(
    private readonly connection: Pop3Connection,
    private readonly config: AuthConfig,
    cvm: string,
    env: Env,
    createClient?: (cvm: string) => CvmClient,
  ) {
    const make = createClient ?? ((spec: string) => createCvmClient(spec, { env: authenticationEnv(env), lookupSecret: null }));
    this.#cvm = make(cvm);
    this.sasl = new SaslServer({ env, domain: config.domain, hostname: config.domain, createClient: createClient ?? undefined });
  }

  async run(): Promise<AuthOutcome> {
    for (;;) {
      const command = await this.connection.readCommand(isKnown);
      if (command === 'eof' || command === 'timeout') return { kind: 'exit', code: 0 };
      const result = await this.#dispatch(command);
      if (result === 'exit' || result === 'broken') return { kind: 'exit', code: result === 'exit' ? 0 : 1 };
      if (result !== undefined && result !== 'failed') return { kind: 'authenticated', account: result };
      if (result === 'failed' && this.config.maxAuthFailures > 0 && ++this.#failures >= this.config.maxAuthFailures) {
        return { kind: 'exit', code: 0 };
      }
    }
  }

  async #dispatch({ verb, argument }: Command): Promise<Attempt | undefined> {
    const c = this.connection;
    const tls = this.config.tls;
    if (CREDENTIAL_COMMANDS.has(verb) && !mayAuthenticate(c, tls)) return void c.reply(TLS_REQUIRED);
    switch (verb) {
      case 'CAPA':
        if (argument !== '') return void c.reply(SYNTAX_ERROR);
        c.reply(OK);
        await c.write(Buffer.from([...authorizationCapabilities(c, tls, this.#saslLine()), '.'].map((l) => l + '\r\n').join('')));
        return undefined;
      case 'STLS': {
        const outcome = await stls(c, tls, argument);
        if (outcome === 'broken') return 'broken';
        // RFC 2595 §4: forget what the client said before the handshake.
        if (outcome === 'started') this.#user = undefined;
        return undefined;
      }
      case 'AUTH':
        return this.#auth(argument);
      case 'USER':
        if (argument === '') return void c.reply(SYNTAX_ERROR);
        if (this.config.maxUserCommands > 0 && ++this.#userCommands > this.config.maxUserCommands) {
          c.reply(TOO_MANY_USER);
          return 'exit';
        }
        this.#user = argument;
        return void c.reply(OK);
      case 'PASS':
        return this.#pass(argument);
      case 'QUIT':
        if (argument !== '') return void c.reply(SYNTAX_ERROR);
        c.reply(OK);
        return 'exit';
      default:
        return void c.reply(UNIMPLEMENTED);
    }
  }

  #saslLine(): string[] {
    const mechanisms = this.sasl.mechanisms;
    return mechanisms.length > 0 ? [`SASL ${mechanisms.join(' ')}`] : [];
  }

  async #pass(password: string): Promise<Attempt | undefined> {
    const c = this.connection;
    if (password === '') return void c.reply(SYNTAX_ERROR);
    const user = this.#user;
    if (user === undefined) return void c.reply(SEND_USER_FIRST);
    this.#user = undefined;
    const result = await this.#cvm.authenticate(user, this.config.domain, password);
    if (result.code === CvmCode.OK && result.account !== undefined) {
      c.log.info(`PASS username=${result.account.username}`);
      return result.account;
    }
    if (result.code !== CvmCode.PERMFAIL) c.log.warn(`CVM error: ${describeCvmFailure(result)}`);
    c.reply(result.code === CvmCode.PERMFAIL ? AUTH_FAILED : INTERNAL_ERROR);
    return 'failed';
  }

  async #auth(argument: string): Promise<Attempt | undefined> {
    const c = this.connection;
    if (argument === '') {
      c.reply(OK);
      await c.write(Buffer.from([...this.sasl.mechanisms, '.'].map((l) => l + '\r\n').join('')));
      return undefined;
    }
    const { mechanism, initialResponse } = parseAuthArgument(argument);
    let step = await this.sasl.start(mechanism, initialResponse);
    while (step.kind === 'challenge') {
      c.reply(`+ ${step.data}`, false);
      const line = await c.readRaw();
      if (line === 'timeout') return 'exit';
      step = await this.sasl.step(line === 'eof' ? null : line);
    }
    c.log.info(step.log);
    if (step.kind === 'success') return step.account;
    c.reply(`-ERR ${step.reply.text}`);
    return 'failed';
  }
}
