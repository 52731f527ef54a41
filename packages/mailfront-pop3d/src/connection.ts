/**
 * The POP3 side of the connection: reading command lines with the idle and
 * session timeouts, writing status lines (each one logged) and streaming
 * multi-line bodies with backpressure, so a slow client holds the server
 * back instead of filling its memory.
 *
 * Commands are read one at a time and answered before the next is read:
 * replies to pipelined commands come back in order and nothing a client
 * sends ahead is lost.
 */
import type { Writable } from 'node:stream';
import { readLine, TimeoutError, type ByteInput, type Logger, type Output } from '@mailfront/core';
import { MAX_LINE, type Timeouts } from './config.js';
import { LINE_TOO_LONG, TIMED_OUT } from './replies.js';

export interface Command {
  /** Upper case: the text before the first space. */
  verb: string;
  /** The text after the spaces that follow the verb; '' when none. */
  argument: string;
}

/** Why the conversation ended without a command. */
export type End = 'eof' | 'timeout';

/** Arguments that must never reach a log. */
const SECRET_ARGUMENT: Record<string, (argument: string) => string> = {
  PASS: () => 'XXXXXXXX',
  AUTH: (argument) => argument.replace(/ .*/, ' XXXXXXXX'),
};

export class Pop3Connection {
  #deadline = 0;
  #timeouts: Timeouts = { idleMs: 0, sessionMs: 0 };

  constructor(
    readonly input: ByteInput,
    readonly output: Output,
    private readonly stream: Writable,
    readonly log: Logger,
    timeouts: Timeouts,
  ) {
    this.startSession(timeouts);
  }

  /** Starts the session clock (again: the mailbox stage has its own limits). */
  startSession(timeouts: Timeouts): void {
    this.#timeouts = timeouts;
    this.#deadline = Date.now() + timeouts.sessionMs;
  }

  #waitMs(): number {
    return Math.max(1, Math.min(this.#timeouts.idleMs, this.#deadline - Date.now()));
  }

  /** A status line (`+OK …`, `-ERR …`, `+ challenge`), logged unless it is a SASL challenge. */
  reply(line: string, logged = true): void {
    this.output.write(Buffer.from(line + '\r\n', 'latin1'));
    if (logged) this.log.info(line);
  }

  /**
   * One raw line (a SASL response), or an End. The idle timeout sends
   * `-ERR Connection timed out`; the end of the session ends it silently.
   */
  async readRaw(): Promise<string | End> {
    for (;;) {
      let line;
      const waitMs = this.#waitMs();
      try {
        line = await readLine(this.input, MAX_LINE, waitMs);
      } catch (e) {
        if (!(e instanceof TimeoutError)) throw e;
        if (waitMs === this.#timeouts.idleMs) this.reply(TIMED_OUT);
        return 'timeout';
      }
      if (line === null) return 'eof';
      if (!line.tooLong) return line.bytes.toString('latin1');
      this.reply(LINE_TOO_LONG);
    }
  }

  /** The next command, logged with any password masked. */
  async readCommand(): Promise<Command | End> {
    const line = await this.readRaw();
    if (line === 'eof' || line === 'timeout') return line;
    const space = line.indexOf(' ');
    const verb = (space === -1 ? line : line.slice(0, space)).toUpperCase();
    const argument = space === -1 ? '' : line.slice(space).replace(/^ +/, '');
    const mask = Object.hasOwn(SECRET_ARGUMENT, verb) ? SECRET_ARGUMENT[verb] : undefined;
    this.log.info(mask !== undefined && argument !== '' ? `${line.slice(0, space)} ${mask(argument)}` : line);
    return { verb, argument };
  }

  /** Bytes of a multi-line reply; waits while the client is slower than we are. */
  async write(bytes: Buffer): Promise<void> {
    this.output.write(bytes);
    if (this.output.needsDrain) await this.#drained();
  }

  #drained(): Promise<void> {
    const stream = this.stream;
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        stream.off('drain', done);
        stream.off('close', done);
        resolve();
      };
      const timer = setTimeout(() => {
        stream.off('drain', done);
        stream.off('close', done);
        reject(new TimeoutError('timed out writing to the client'));
      }, this.#waitMs());
      stream.on('drain', done);
      stream.on('close', done);
    });
  }

  /** Waits until every byte written so far has left (before exit or exec). */
  flush(): Promise<void> {
    return this.output.flush();
  }
}
