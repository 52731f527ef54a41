/**
 * One SMTP conversation: the greeting, the command loop, timeouts and exit
 * status (reference §2). The commands themselves live in commands.ts and
 * the message body in data.ts.
 *
 * Commands are handled strictly one after another and each reply is
 * written before the next line is read, so replies to pipelined commands
 * come back in order and nothing a client sends ahead is lost or reordered.
 * The replies to one pipelined batch are corked and leave in one write, as
 * soon as the input runs dry (never held while we wait for the client).
 */
import type { Readable, Writable } from 'node:stream';
import { CommandLog, formatSmtpReply, LineReader, readLine, startTls, TimeoutError, WOUND_DOWN, type ByteInput, type Line, type Output, type Reply } from '@mailfront/core';
import type { Engine } from '../../engine/engine.js';
import type { PluginCommand } from '../../engine/plugin.js';
import { INTERNAL_ERROR } from '../../engine/response.js';
import { isPromiseLike, type Awaitable } from '../../util/awaitable.js';
import { binaryBytes } from '../../util/binary-string.js';
import { builtinCommand } from './commands.js';
import type { SmtpConfig } from './config.js';
import { NO_PARAMETERS_ALLOWED, NOT_IMPLEMENTED, LINE_TOO_LONG, PARAMETER_REQUIRED, shuttingDown, timedOut, TOO_MANY_UNIMPLEMENTED } from './replies.js';
import { CONTINUE, type Next, type SmtpContext } from './state.js';
import { Transaction } from './transaction.js';

export interface SmtpOptions {
  engine: Engine;
  input: ByteInput;
  output: Output;
  config: SmtpConfig;
  /** The raw connection, needed to switch to TLS. */
  connection?: { stdin: Readable; stdout: Writable } | undefined;
  /** Listen mode: the listener is stopping (see ProtocolRun). */
  windDown?: AbortSignal | undefined;
}

export class SmtpConnection implements SmtpContext {
  readonly engine: Engine;
  readonly input: ByteInput;
  readonly output: Output;
  readonly config: SmtpConfig;
  readonly connection: SmtpOptions['connection'];
  readonly windDown: AbortSignal | undefined;
  readonly transaction = new Transaction();
  #notImplemented = 0;
  #deadline: number;
  /** The command line being read, kept across waits for the client. */
  readonly #lines: LineReader;
  #commands: PluginCommand[] = [];
  /** Keeps credentials out of the log (AUTH arguments, base64 lines after AUTH). */
  #commandLog = new CommandLog();

  constructor(options: SmtpOptions) {
    this.engine = options.engine;
    this.input = options.input;
    this.output = options.output;
    this.config = options.config;
    this.connection = options.connection;
    this.windDown = options.windDown;
    this.#deadline = Date.now() + options.config.sessionTimeoutMs;
    this.#lines = new LineReader(options.config.maxLineLength);
  }

  get log() {
    return this.engine.session.log;
  }

  /** Sends a reply; replies with a code of 400 or more are also logged, line by line. */
  reply(reply: Reply): void {
    const wire = formatSmtpReply(reply);
    this.output.write(binaryBytes(wire));
    if (reply.code >= 400) {
      for (const line of wire.split('\r\n').slice(0, -1)) this.log.info(line.replace(/^(\d{3})-/, '$1 '));
    }
  }

  /** How long the next read may wait: the idle timeout, or less near the session's end. */
  readTimeout(): number {
    return Math.max(1, Math.min(this.config.idleTimeoutMs, this.#deadline - Date.now()));
  }

  /**
   * Moves the session onto TLS (STARTTLS, or TLS_IMMEDIATE before the
   * greeting). Returns false if the handshake failed: the connection is
   * then unusable and the session ends.
   */
  async switchToTls(implicit = false): Promise<boolean> {
    if (!this.config.tls || !this.connection) return false;
    try {
      const { discarded } = await startTls(this.input, this.output, this.connection.stdin, this.connection.stdout, this.config.tls, {
        timeoutMs: this.readTimeout(),
        implicit,
      });
      if (discarded > 0) this.log.warn(`discarded ${discarded} bytes sent before the TLS handshake`);
    } catch (e) {
      this.log.info(`TLS handshake failed: ${(e as Error).message}`);
      return false;
    }
    this.engine.session.tls = true;
    return true;
  }

  /** The conversation after a successful start-up; resolves with the exit status. */
  async run(): Promise<number> {
    this.#commands = this.engine.commands();
    if (this.config.tlsImmediate && !(await this.switchToTls(true))) return 1;
    this.reply({ code: 220, text: `${this.config.greeting} ESMTP` });
    for (;;) {
      // A client that sends commands without reading the replies is not
      // read further until it does (and is dropped after the idle timeout).
      if (this.output.needsDrain && !(await this.output.drainedWithin(this.readTimeout()))) {
        this.log.info('Timed out');
        this.output.abandon();
        return 1;
      }
      let line;
      try {
        line = this.#nextCommand();
        if (isPromiseLike(line)) line = await line;
      } catch (e) {
        if (!(e instanceof TimeoutError)) throw e;
        this.reply(timedOut(this.config.domain));
        return 0;
      }
      if (line === WOUND_DOWN) {
        this.reply(shuttingDown(this.config.domain));
        return 0;
      }
      if (line === null) return 0;
      // The replies to a pipelined batch leave in one write: held until the
      // input runs dry (ByteInput's onWait uncorks before every wait).
      this.output.cork();
      if (line.tooLong) {
        this.reply(LINE_TOO_LONG);
        continue;
      }
      let next = this.#dispatchSafely(line.bytes.toString('latin1'));
      if (isPromiseLike(next)) next = await next;
      if (next !== CONTINUE) return next.exit;
      if (this.output.failed) return 1;
    }
  }

  /**
   * The next command line: at once when its bytes are here (a pipelined
   * batch), else after waiting for the client. A message in DATA is never
   * cut short, but a session that waits for its next command when the
   * listener stops is told so (WOUND_DOWN) and ends.
   */
  #nextCommand(): Awaitable<Line | null | typeof WOUND_DOWN> {
    if (this.windDown?.aborted) return WOUND_DOWN;
    for (;;) {
      const chunk = this.input.readNow();
      if (chunk === undefined) return this.#waitForCommand();
      const line = this.#lines.take(chunk, this.input);
      if (line !== undefined) return line;
    }
  }

  async #waitForCommand(): Promise<Line | null | typeof WOUND_DOWN> {
    const timeout = this.readTimeout();
    for (;;) {
      await this.input.wait(timeout, this.windDown);
      if (this.windDown?.aborted) return WOUND_DOWN;
      for (let chunk; (chunk = this.input.readNow()) !== undefined; ) {
        const line = this.#lines.take(chunk, this.input);
        if (line !== undefined) return line;
      }
    }
  }

  /**
   * A plugin that throws (a bug, a bad value in a rules file) costs the
   * client one `451 Internal error` and a fresh transaction, not the
   * connection.
   */
  #dispatchSafely(text: string): Awaitable<Next> {
    let next: Awaitable<Next>;
    try {
      next = this.#dispatch(text);
    } catch (e) {
      return this.#internalError(e);
    }
    return isPromiseLike(next) ? Promise.resolve(next).catch((e: unknown) => this.#internalError(e)) : next;
  }

  async #internalError(e: unknown): Promise<Next> {
    this.log.warn(`internal error: ${(e as Error).message}`);
    this.reply(INTERNAL_ERROR);
    this.transaction.clear();
    await Promise.resolve(this.engine.reset()).catch(() => undefined);
    return CONTINUE;
  }

  #dispatch(text: string): Awaitable<Next> {
    const split = /[ \t]/.exec(text);
    const verb = split ? text.slice(0, split.index) : text;
    const argument = split ? text.slice(split.index).replace(/^[ \t]+/, '') : '';
    const upper = verb.toUpperCase();

    const command = this.#commands.find((c) => c.name.toUpperCase() === upper && (c.enabled?.() ?? true));
    const builtin = command ? undefined : builtinCommand(upper, this);
    const logged = this.#commandLog.seen(text, command !== undefined || builtin !== undefined);
    if (command) {
      this.#notImplemented = 0;
      return this.#runPluginCommand(command, argument);
    }
    if (builtin) {
      this.#notImplemented = 0;
      return builtin(this, argument);
    }
    return this.notImplemented(logged);
  }

  /** An unknown verb: 500, and after MAXNOTIMPL of them in a row, the end. `logged`: what CommandLog allows of the line. */
  notImplemented(logged: string): Next {
    this.log.info(logged);
    const max = this.config.maxNotImplemented;
    if (max > 0 && ++this.#notImplemented > max) {
      this.reply(TOO_MANY_UNIMPLEMENTED);
      return { exit: 1 };
    }
    this.reply(NOT_IMPLEMENTED);
    return CONTINUE;
  }

  async #runPluginCommand(command: PluginCommand, argument: string): Promise<Next> {
    const ctx = {
      session: this.engine.session,
      reply: (r: Reply) => this.reply(r),
      readLine: async () => {
        const line = await readLine(this.input, this.config.maxLineLength, this.readTimeout());
        return line === null ? null : line.bytes.toString('latin1');
      },
    };
    let ok: boolean | void;
    if (argument === '') {
      if (!command.withoutArgument) {
        this.reply(PARAMETER_REQUIRED);
        return CONTINUE;
      }
      ok = await command.withoutArgument(ctx);
    } else {
      if (!command.withArgument) {
        this.reply(NO_PARAMETERS_ALLOWED);
        return CONTINUE;
      }
      ok = await command.withArgument(ctx, argument);
    }
    return ok === false ? { exit: 1 } : CONTINUE;
  }
}
