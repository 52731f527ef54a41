/**
 * Message data through the chain (reference §1.4, data_start to message_end).
 *
 * The first error from any data hook is stored as the message's "data
 * response": later blocks are dropped, the reset handling runs (which aborts
 * the backend, e.g. qmail-queue gets no envelope), and message end answers
 * with that error. Injected bytes (add-received's header) go straight to the
 * temporary file or the backend, past the other plugins.
 */
import { MessageFile } from './message-file.js';
import type { Hooks } from './plugin.js';
import { INTERNAL_ERROR, isErrorResponse, type HookResult, type Response } from './response.js';
import type { Session } from './session.js';
import type { TransactionSummary } from './transaction-summary.js';
import { andThen, attempt, isPromiseLike, type Awaitable } from '../util/awaitable.js';

export interface MessageFlowOptions {
  session: Session;
  backend: Hooks;
  plugins: Hooks[];
  needFile: boolean;
  tmpdir: string;
  /** Resets the modules after a failure (not the transaction: its answer is still to come). */
  reset: () => Awaitable<HookResult>;
  /** Told the start, the size and the answer of each message. */
  summary: TransactionSummary;
}

export class MessageFlow {
  readonly #o: MessageFlowOptions;
  #file: MessageFile | undefined;
  #failure: Response | undefined;
  /** Bytes of this message received from the client (for the listener's metrics). */
  #received = 0;

  constructor(options: MessageFlowOptions) {
    this.#o = options;
  }

  /** The error that ended this message early, if any. */
  get failure(): Response | undefined {
    return this.#failure;
  }

  /** A plugin rewrote the message: the new file replaces the old one. */
  replaceFile(file: MessageFile): void {
    if (this.#file === undefined) throw new Error('replaceMessage: no temporary file is in use (the plugin needs needFile)');
    if (file === this.#file) return;
    this.#file.close();
    this.#file = file;
  }

  closeFile(): void {
    this.#file?.close();
    this.#file = undefined;
  }

  start(): Awaitable<HookResult> {
    return attempt(() =>
      andThen(this.#start(), (result) => {
        this.#o.summary.dataStart(result);
        return result;
      }),
    );
  }

  #start(): Awaitable<HookResult> {
    this.closeFile();
    this.#failure = undefined;
    this.#received = 0;
    if (this.#o.needFile) {
      try {
        this.#file = MessageFile.create(this.#o.tmpdir);
      } catch (e) {
        this.#o.session.log.warn(`cannot create a temporary file in ${this.#o.tmpdir}: ${(e as Error).message}`);
        return this.#fail(INTERNAL_ERROR);
      }
    }
    return andThen(this.#o.backend.dataStart?.(this.#file), (fromBackend) => (isErrorResponse(fromBackend) ? this.#fail(fromBackend) : this.#startPlugins()));
  }

  #startPlugins(): Awaitable<HookResult> {
    return andThen(this.#firstRefusal((p) => p.dataStart?.(this.#file)), (r) => (r ? this.#failAndReset(r) : undefined));
  }

  /** One block of the message, as the client sent it (decoded). */
  block(bytes: Buffer): Awaitable<void> {
    this.#received += bytes.length;
    this.#o.summary.bytes(bytes.length);
    if (this.#failure) return;
    return attempt(() =>
      andThen(this.#firstRefusal((p) => p.dataBlock?.(bytes)), (r) => (r ? andThen(this.#failAndReset(r), () => undefined) : this.#deliver(bytes))),
    );
  }

  /**
   * Bytes for the message that the other plugins do not see: into the
   * temporary file when there is one (the backend reads it at the end),
   * else to the backend.
   */
  inject(bytes: Buffer): Awaitable<void> {
    if (this.#failure) return;
    return attempt(() => (this.#file ? this.#append(bytes) : this.#toBackend(bytes)));
  }

  /**
   * Stops the message with an error of the protocol's own (a bare LF under
   * the reject policy): the rest of the data is dropped and end() returns it.
   */
  abort(response: Response): Awaitable<void> {
    if (!this.#failure) return attempt(() => andThen(this.#failAndReset(response), () => undefined));
  }

  /** The message's answer (the backend's, or the error that stopped it), once the client has sent it all. */
  end(): Awaitable<HookResult> {
    return attempt(() =>
      andThen(this.#end(), (result) => {
        const { session } = this.#o;
        session.count(isErrorResponse(result) ? 'messages_refused' : 'messages_accepted');
        if (isErrorResponse(result) && result.code < 500) session.count('messages_tempfail');
        session.count('message_bytes', this.#received);
        this.#o.summary.messageEnd(result);
        return result;
      }),
    );
  }

  #end(): Awaitable<HookResult> {
    if (this.#failure) return this.#failure;
    return andThen(this.#firstRefusal((p) => p.messageEnd?.(this.#file)), (r) => (r ? this.#failAndReset(r) : this.#backendEnd()));
  }

  #backendEnd(): Awaitable<HookResult> {
    const started = performance.now();
    return andThen(this.#o.backend.messageEnd?.(this.#file), (result) => {
      this.#o.session.observe('backend_seconds', (performance.now() - started) / 1000);
      this.closeFile();
      return isErrorResponse(result) ? andThen(this.#o.reset(), () => result) : result;
    });
  }

  /**
   * Runs one data hook of each plugin in order, each after the one before
   * has answered, and stops at the first error: that error, or undefined
   * when none refused. Synchronous while every hook is.
   */
  #firstRefusal(hook: (plugin: Hooks) => Awaitable<HookResult>, from = 0): Awaitable<Response | undefined> {
    const plugins = this.#o.plugins;
    for (let i = from; i < plugins.length; i++) {
      const r = hook(plugins[i]!);
      if (isPromiseLike(r)) return andThen(r, (r) => (isErrorResponse(r) ? r : this.#firstRefusal(hook, i + 1)));
      if (isErrorResponse(r)) return r;
    }
    return undefined;
  }

  #deliver(bytes: Buffer): Awaitable<void> {
    return andThen(this.#toBackend(bytes), () => {
      if (this.#file && !this.#failure) return this.#append(bytes);
    });
  }

  #toBackend(bytes: Buffer): Awaitable<void> {
    // Unlike mailfront, a backend's write error is not ignored: a message
    // whose bytes did not reach the queue must never be acknowledged.
    return andThen(this.#o.backend.dataBlock?.(bytes), (r) => {
      if (isErrorResponse(r)) return andThen(this.#failAndReset(r), () => undefined);
    });
  }

  #append(bytes: Buffer): Awaitable<void> {
    try {
      this.#file!.append(bytes);
    } catch (e) {
      this.#o.session.log.warn(`cannot write the temporary file: ${(e as Error).message}`);
      return andThen(this.#failAndReset(INTERNAL_ERROR), () => undefined);
    }
  }

  #fail(r: Response): Response {
    this.#failure = r;
    return r;
  }

  #failAndReset(r: Response): Awaitable<Response> {
    this.#failure = r;
    return andThen(this.#o.reset(), () => r);
  }
}
