/**
 * The plugin chain: mailfront's hook dispatch (reference §1.4).
 *
 * Plugins run in list order. An answer of undefined passes; the first
 * acceptance is remembered and the walk goes on (unless it is `final`); an
 * error stops the walk and is the result. A sender or recipient that no plugin accepted is refused,
 * so the default is never an open relay. The backend runs after the plugins.
 *
 * Message data flows through MessageFlow (message-flow.ts); this file holds
 * start-up, HELO, reset and the envelope.
 */
import { MessageFile } from './message-file.js';
import { MessageFlow } from './message-flow.js';
import type { AddressArg, BackendModule, Hooks, PluginCommand, PluginModule } from './plugin.js';
import { isErrorResponse, NO_RECIPIENT, NO_SENDER, type HookResult, type Response } from './response.js';
import type { Session } from './session.js';
import { TransactionSummary } from './transaction-summary.js';
import { andThen, attempt, isPromiseLike, type Awaitable } from '../util/awaitable.js';

export interface EngineOptions {
  session: Session;
  backend: BackendModule;
  plugins: readonly PluginModule[];
  /** Directory for NEED_FILE temporary files ($TMPDIR, default /tmp). */
  tmpdir: string;
}

/** The name a refusal is counted under when the listener's rate limit made it. */
const RATE_LIMIT = 'ratelimit';
/** … and when no plugin accepted the recipient (the engine's own refusal). */
const NOBODY_ACCEPTED = 'none';

interface Loaded {
  name: string;
  hooks: Hooks;
}

/** An envelope answer, and the module that refused, if one did (for the metrics). */
interface Judged {
  response: HookResult;
  by?: string;
}

export class Engine {
  readonly session: Session;
  readonly #backend: Loaded;
  readonly #plugins: Loaded[];
  readonly #summary: TransactionSummary;
  readonly data: MessageFlow;

  constructor(options: EngineOptions) {
    const { session } = options;
    this.session = session;
    this.#summary = new TransactionSummary(session);
    // The backend's injection target is set below, once the flow exists.
    const inject = (bytes: Buffer) => this.data.inject(bytes);
    const newMessageFile = () => MessageFile.create(options.tmpdir);
    const replaceMessage = (file: MessageFile) => this.data.replaceFile(file);
    const make = (m: PluginModule): Loaded => ({
      name: m.name,
      hooks: m.create({ name: m.name, session, env: session.processEnv, inject, newMessageFile, replaceMessage }),
    });
    this.#backend = make(options.backend);
    this.#plugins = options.plugins.map(make);
    const needFile = [options.backend, ...options.plugins].some((m) => m.needFile);
    this.data = new MessageFlow({
      session,
      backend: this.#backend.hooks,
      plugins: this.#plugins.map((p) => p.hooks),
      needFile,
      tmpdir: options.tmpdir,
      // A failed message resets the modules; the transaction goes on to its answer.
      reset: () => this.#resetModules(),
      summary: this.#summary,
    });
  }

  /** Plugin inits in order (first error stops), then the backend's; any backend answer is a failure. */
  async init(): Promise<HookResult> {
    for (const p of this.#plugins) {
      const r = await p.hooks.init?.();
      if (isErrorResponse(r)) return r;
    }
    return this.#backend.hooks.init?.();
  }

  /** Commands that modules define: the backend's first, then each plugin's. */
  commands(): PluginCommand[] {
    return [this.#backend, ...this.#plugins].flatMap((m) => m.hooks.commands ?? []);
  }

  /** HELO/EHLO: plugin errors are returned; acceptances are dropped; then the backend answers. */
  helo(hostname: string, capabilities: string[]): Awaitable<HookResult> {
    return attempt(() => this.#helo(hostname, capabilities, 0));
  }

  #helo(hostname: string, capabilities: string[], from: number): Awaitable<HookResult> {
    for (let i = from; i < this.#plugins.length; i++) {
      const r = this.#plugins[i]!.hooks.helo?.(hostname, capabilities);
      if (isPromiseLike(r)) return andThen(r, (r) => (isErrorResponse(r) ? r : this.#helo(hostname, capabilities, i + 1)));
      if (isErrorResponse(r)) return r;
    }
    this.session.heloDomain = hostname;
    this.#summary.helo(hostname);
    return this.#backend.hooks.helo?.(hostname, capabilities);
  }

  /**
   * Ends the transaction (its summary line, if it had one) and any message
   * in progress; the backend resets first, then the plugins. Result: the
   * first plugin error, else the first plugin answer.
   */
  reset(): Awaitable<HookResult> {
    return attempt(() => {
      this.#summary.end();
      return this.#resetModules();
    });
  }

  #resetModules(): Awaitable<HookResult> {
    this.data.closeFile();
    const fromBackend = this.#backend.hooks.reset?.();
    if (isPromiseLike(fromBackend)) return andThen(fromBackend, () => this.#resetPlugins(0, undefined));
    return this.#resetPlugins(0, undefined);
  }

  #resetPlugins(from: number, first: Response | undefined): Awaitable<HookResult> {
    for (let i = from; i < this.#plugins.length; i++) {
      const r = this.#plugins[i]!.hooks.reset?.();
      if (isPromiseLike(r)) return andThen(r, (r) => (isErrorResponse(r) ? r : this.#resetPlugins(i + 1, first ?? r)));
      if (isErrorResponse(r)) return r;
      first ??= r;
    }
    return first;
  }

  /** MAIL: the listener's message rate limit first (listen mode), then the chain. */
  sender(arg: AddressArg): Awaitable<HookResult> {
    const given = arg.address; // plugins may rewrite it; the summary shows the client's
    const settle = (result: HookResult) => {
      this.#summary.sender(given, result);
      return result;
    };
    return attempt(() =>
      andThen(this.session.limit('message'), (limited) =>
        limited ? settle(limited) : andThen(this.#envelope(arg, 'sender', NO_SENDER, 0, undefined), ({ response }) => settle(response)),
      ),
    );
  }

  /** RCPT: the recipient rate limit, then the chain; a refusal is counted under the module that made it. */
  recipient(arg: AddressArg): Awaitable<HookResult> {
    const settle = ({ response, by }: Judged) => {
      const refused = isErrorResponse(response);
      this.session.count(refused ? 'recipients_refused' : 'recipients_accepted');
      if (refused) this.session.count(`recipients_rejected:${by ?? NOBODY_ACCEPTED}`);
      this.#summary.recipient(response);
      return response;
    };
    return attempt(() =>
      andThen(this.session.limit('recipient'), (limited) =>
        limited ? settle({ response: limited, by: RATE_LIMIT }) : andThen(this.#envelope(arg, 'recipient', NO_RECIPIENT, 0, undefined), settle),
      ),
    );
  }

  #envelope(arg: AddressArg, hook: 'sender' | 'recipient', nobody: Response, from: number, accepted: Response | undefined): Awaitable<Judged> {
    for (let i = from; i < this.#plugins.length; i++) {
      const p = this.#plugins[i]!;
      const r = p.hooks[hook]?.(arg);
      if (isPromiseLike(r)) return andThen(r, (r) => this.#judge(arg, hook, nobody, i, accepted, r));
      if (r === undefined) continue;
      if (r.code >= 400) return { response: r, by: p.name };
      accepted ??= r;
      if (r.final) break;
    }
    return this.#backendEnvelope(arg, hook, nobody, accepted);
  }

  /** One plugin's answer that came late: as the loop above, then on with the next plugin. */
  #judge(arg: AddressArg, hook: 'sender' | 'recipient', nobody: Response, at: number, accepted: Response | undefined, r: HookResult): Awaitable<Judged> {
    if (r === undefined) return this.#envelope(arg, hook, nobody, at + 1, accepted);
    if (r.code >= 400) return { response: r, by: this.#plugins[at]!.name };
    accepted ??= r;
    return r.final ? this.#backendEnvelope(arg, hook, nobody, accepted) : this.#envelope(arg, hook, nobody, at + 1, accepted);
  }

  #backendEnvelope(arg: AddressArg, hook: 'sender' | 'recipient', nobody: Response, accepted: Response | undefined): Awaitable<Judged> {
    if (accepted === undefined) return { response: nobody };
    return andThen(this.#backend.hooks[hook]?.(arg), (fromBackend): Judged => {
      if (isErrorResponse(fromBackend)) return { response: fromBackend, by: this.#backend.name };
      // An acceptance without text lets the backend's answer speak for it.
      return { response: accepted.text === undefined ? fromBackend : accepted };
    });
  }

  /** End of session: abort what is in progress and let modules free resources. */
  async close(): Promise<void> {
    await this.reset();
    for (const m of [this.#backend, ...this.#plugins]) await m.hooks.close?.();
  }
}
