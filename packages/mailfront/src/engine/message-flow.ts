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

export interface MessageFlowOptions {
  session: Session;
  backend: Hooks;
  plugins: Hooks[];
  needFile: boolean;
  tmpdir: string;
  /** Resets the modules after a failure (not the transaction: its answer is still to come). */
  reset: () => Promise<HookResult>;
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

  async start(): Promise<HookResult> {
    const result = await this.#start();
    this.#o.summary.dataStart(result);
    return result;
  }

  async #start(): Promise<HookResult> {
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
    const fromBackend = await this.#o.backend.dataStart?.(this.#file);
    if (isErrorResponse(fromBackend)) return this.#fail(fromBackend);
    for (const p of this.#o.plugins) {
      const r = await p.dataStart?.(this.#file);
      if (isErrorResponse(r)) return this.#failAndReset(r);
    }
    return undefined;
  }

  /** One block of the message, as the client sent it (decoded). */
  async block(bytes: Buffer): Promise<void> {
    this.#received += bytes.length;
    this.#o.summary.bytes(bytes.length);
    if (this.#failure) return;
    for (const p of this.#o.plugins) {
      const r = await p.dataBlock?.(bytes);
      if (isErrorResponse(r)) {
        await this.#failAndReset(r);
        return;
      }
    }
    await this.#deliver(bytes);
  }

  /**
   * Bytes for the message that the other plugins do not see: into the
   * temporary file when there is one (the backend reads it at the end),
   * else to the backend.
   */
  async inject(bytes: Buffer): Promise<void> {
    if (this.#failure) return;
    if (this.#file) await this.#append(bytes);
    else await this.#toBackend(bytes);
  }

  /**
   * Stops the message with an error of the protocol's own (a bare LF under
   * the reject policy): the rest of the data is dropped and end() returns it.
   */
  async abort(response: Response): Promise<void> {
    if (!this.#failure) await this.#failAndReset(response);
  }

  /** The message's answer (the backend's, or the error that stopped it), once the client has sent it all. */
  async end(): Promise<HookResult> {
    const result = await this.#end();
    const { session } = this.#o;
    session.count(isErrorResponse(result) ? 'messages_refused' : 'messages_accepted');
    if (isErrorResponse(result) && result.code < 500) session.count('messages_tempfail');
    session.count('message_bytes', this.#received);
    this.#o.summary.messageEnd(result);
    return result;
  }

  async #end(): Promise<HookResult> {
    if (this.#failure) return this.#failure;
    for (const p of this.#o.plugins) {
      const r = await p.messageEnd?.(this.#file);
      if (isErrorResponse(r)) return this.#failAndReset(r);
    }
    const started = performance.now();
    const result = await this.#o.backend.messageEnd?.(this.#file);
    this.#o.session.observe('backend_seconds', (performance.now() - started) / 1000);
    this.closeFile();
    if (isErrorResponse(result)) await this.#o.reset();
    return result;
  }

  async #deliver(bytes: Buffer): Promise<void> {
    await this.#toBackend(bytes);
    if (this.#file && !this.#failure) await this.#append(bytes);
  }

  async #toBackend(bytes: Buffer): Promise<void> {
    // Unlike mailfront, a backend's write error is not ignored: a message
    // whose bytes did not reach the queue must never be acknowledged.
    const r = await this.#o.backend.dataBlock?.(bytes);
    if (isErrorResponse(r)) await this.#failAndReset(r);
  }

  async #append(bytes: Buffer): Promise<void> {
    try {
      this.#file!.append(bytes);
    } catch (e) {
      this.#o.session.log.warn(`cannot write the temporary file: ${(e as Error).message}`);
      await this.#failAndReset(INTERNAL_ERROR);
    }
  }

  #fail(r: Response): Response {
    this.#failure = r;
    return r;
  }

  async #failAndReset(r: Response): Promise<Response> {
    this.#failure = r;
    await this.#o.reset();
    return r;
  }
}
