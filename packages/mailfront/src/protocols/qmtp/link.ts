/**
 * What QMTP and QMQP share around the engine: read deadlines, turning
 * framing errors into mailfront's die texts, answers on the wire, logging,
 * and the die itself.
 *
 * Every read gets the idle timeout (TIMEOUT), cut short near the end of the
 * session (SESSION_TIMEOUT). A read that times out counts as the end of
 * input at that point, as in mailfront.
 */
import { NetstringError, readNetstringLength, TimeoutError, type ByteInput, type LimitedSource, type Output, type Reply } from '@mailfront/core';
import type { Engine } from '../../engine/engine.js';
import { ACCEPTED_MESSAGE, INTERNAL_ERROR, type HookResult, type Response } from '../../engine/response.js';
import { DIE_CODE, EXIT_DIE, frameDie, frameResponse } from './replies.js';
import type { Awaitable } from '../../util/awaitable.js';

/** A fatal framing error: the session ends with `Z<text>` and exit status 111. */
export class ProtocolDie extends Error {
  constructor(
    readonly text: string,
    readonly timedOut = false,
  ) {
    super(text);
    this.name = 'ProtocolDie';
  }
}

/** A hook's error as a reply (errors always carry text). */
export const asReply = (r: Response): Reply => ({ code: r.code, text: r.text ?? '' });

/** The die text for each way a netstring read can fail. */
export interface ReadTexts {
  /** The input ended (or the read timed out). */
  eof: string;
  /** A byte that does not belong there. */
  format: string;
  /** A length over the cap. */
  tooLong: string;
  /** When the read is inside an enclosing frame that ran out first. */
  frame?: { source: LimitedSource; exhausted: string };
}

export interface LinkOptions {
  engine: Engine;
  input: ByteInput;
  output: Output;
  /** Idle time allowed for each read, in ms. */
  idleTimeoutMs: number;
  /** Length of the whole session, in ms. */
  sessionTimeoutMs: number;
}

export class NetstringLink {
  readonly engine: Engine;
  readonly input: ByteInput;
  readonly output: Output;
  readonly #idleMs: number;
  readonly #deadline: number;

  constructor(options: LinkOptions) {
    this.engine = options.engine;
    this.input = options.input;
    this.output = options.output;
    this.#idleMs = options.idleTimeoutMs;
    this.#deadline = Date.now() + options.sessionTimeoutMs;
  }

  get log() {
    return this.engine.session.log;
  }

  /** How long the next read may wait: the idle timeout, or less near the session's end. */
  timeout(): number {
    return Math.max(1, Math.min(this.#idleMs, this.#deadline - Date.now()));
  }

  /** Runs a read; a framing error, the end of input or a timeout becomes the matching die. */
  async guard<T>(read: (timeoutMs: number) => Promise<T>, texts: ReadTexts): Promise<T> {
    try {
      return await read(this.timeout());
    } catch (e) {
      if (e instanceof TimeoutError) throw new ProtocolDie(texts.eof, true);
      if (!(e instanceof NetstringError)) throw e;
      if (e.problem === 'eof') {
        // Inside a frame, the end of the frame is not the end of the input.
        const frame = texts.frame;
        throw new ProtocolDie(frame && frame.source.remaining === 0 ? frame.exhausted : texts.eof);
      }
      throw new ProtocolDie(e.problem === 'format' ? texts.format : texts.tooLong);
    }
  }

  /**
   * The length that opens a package (QMTP's message, QMQP's wrapper), or
   * null when the session is over: the client sent nothing more, or went
   * quiet, before it. A bad length is the die `format` (or the length die).
   */
  async openingLength(max: number, format: string, tooLong: string): Promise<number | null> {
    try {
      return await readNetstringLength(this.input, max, this.timeout());
    } catch (e) {
      if (e instanceof TimeoutError) return null;
      if (!(e instanceof NetstringError)) throw e;
      if (e.problem === 'eof') return null;
      throw new ProtocolDie(e.problem === 'format' ? format : tooLong);
    }
  }

  /** An engine step; an exception (a bug in a plugin) costs the message, not the session. */
  async safely(step: () => Awaitable<HookResult>): Promise<HookResult> {
    try {
      return await step();
    } catch (e) {
      this.log.warn(`internal error: ${(e as Error).message}`);
      return INTERNAL_ERROR;
    }
  }

  /** Withdraws the message: nothing of it reaches the queue. */
  async dropMessage(): Promise<void> {
    await this.safely(() => this.engine.reset());
  }

  /** Message end, once the envelope is known: the message's own result (logged if an error). */
  async finishMessage(): Promise<Reply> {
    const r = await this.safely(() => this.engine.data.end());
    const reply = r === undefined ? ACCEPTED_MESSAGE : { code: r.code, text: r.text ?? ACCEPTED_MESSAGE.text };
    this.logError(reply);
    return reply;
  }

  /** Logs an error answer line by line (`550 text`), as mailfront logs what it refuses. */
  logError(reply: Reply): void {
    if (reply.code < 400) return;
    for (const line of reply.text.split('\n')) this.log.info(`${reply.code} ${line}`);
  }

  /** The answers to one package, in one write. */
  send(replies: readonly Reply[]): void {
    if (replies.length > 0) this.output.write(Buffer.concat(replies.map(frameResponse)));
  }

  /** False when the client stopped reading its answers for the idle timeout (see Output.drainedWithin). */
  drained(): Promise<boolean> {
    return this.output.drainedWithin(this.timeout());
  }

  /** Ends the session on a framing error: nothing of the package is kept. */
  async die(e: ProtocolDie): Promise<number> {
    if (e.timedOut) this.log.info('Timed out');
    await this.dropMessage();
    this.logError({ code: DIE_CODE, text: e.text });
    this.output.write(frameDie(e.text));
    return EXIT_DIE;
  }
}
