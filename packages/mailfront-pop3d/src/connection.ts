/**
 * The POP3 side of the connection: reading command lines with the idle and
 * session timeouts, writing status lines (each one logged) and streaming
 * multi-line bodies with backpressure, so a slow client holds the server
 * back instead of filling its memory.
 *
 * Commands are read one at a time and answered before the next is read:
 * replies to pipelined commands come back in order and nothing a client
 * sends ahead is lost.
 *
 * The connection can move onto TLS (STLS, TLS_IMMEDIATE); from then on
 * every read and write, and the wait for a slow client, go through the TLS
 * layer.
 */
import type { Readable, Writable } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { CommandLog, readLine, startTls, TimeoutError, type ByteInput, type Logger, type Output, type TlsSettings } from '@mailfront/core';
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

/** The two halves of the connection tcpserver or tcpsvd handed us. */
export interface Wire {
  stdin: Readable;
  stdout: Writable;
}

export class Pop3Connection {
  #deadline = 0;
  #timeouts: Timeouts = { idleMs: 0, sessionMs: 0 };
  /** Where bytes go now, and whose 'drain' a slow client makes us wait for. */
  #stream: Writable;
  #tls: TLSSocket | undefined;
  /** Keeps credentials out of the log (PASS, AUTH, lines after AUTH). */
  #commandLog = new CommandLog();

  constructor(
    readonly input: ByteInput,
    readonly output: Output,
    private readonly wire: Wire,
    readonly log: Logger,
    timeouts: Timeouts,
  ) {
    this.#stream = wire.stdout;
    this.startSession(timeouts);
  }

  /** The TLS layer once the session is encrypted. */
  get tls(): TLSSocket | undefined {
    return this.#tls;
  }

  /**
   * Moves the session onto TLS: after the `+OK` to STLS, or before the
   * greeting (`implicit`, POP3S). Bytes the client sent ahead of an STLS
   * handshake are dropped by startTls, never executed. They are counted
   * here, before the handshake, so that an injection attempt is logged
   * even when the handshake then fails (startTls reports its count only on
   * success). Returns false when the handshake failed: the connection is
   * then unusable.
   */
  async startTls(settings: TlsSettings, implicit = false): Promise<boolean> {
    const ahead = implicit ? 0 : this.input.pending;
    if (ahead > 0) this.log.warn(`discarded ${ahead} bytes sent before the TLS handshake`);
    try {
      const { socket } = await startTls(this.input, this.output, this.wire.stdin, this.wire.stdout, settings, {
        timeoutMs: this.#waitMs(),
        implicit,
      });
      this.#stream = socket;
      this.#tls = socket;
      this.log.info(`TLS ${socket.getProtocol()} ${socket.getCipher().name}`);
      return true;
    } catch (e) {
      this.log.info(`TLS handshake failed: ${(e as Error).message}`);
      return false;
    }
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

  /**
   * The next command, logged as CommandLog allows: `known` says which verbs
   * the current state has (an unknown one is logged by its verb only).
   */
  async readCommand(known: (verb: string) => boolean): Promise<Command | End> {
    const line = await this.readRaw();
    if (line === 'eof' || line === 'timeout') return line;
    const space = line.indexOf(' ');
    const verb = (space === -1 ? line : line.slice(0, space)).toUpperCase();
    const argument = space === -1 ? '' : line.slice(space).replace(/^ +/, '');
    this.log.info(this.#commandLog.seen(line, known(verb)));
    return { verb, argument };
  }

  /** Bytes of a multi-line reply; waits while the client is slower than we are. */
  async write(bytes: Buffer): Promise<void> {
    this.output.write(bytes);
    if (this.output.needsDrain) await this.#drained();
  }

  #drained(): Promise<void> {
    const stream = this.#stream;
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

  /**
   * The end of the session: the last bytes, then on TLS a close_notify, so
   * the client sees a clean end rather than a truncation. A client that
   * stopped reading does not hold us longer than the idle timeout.
   */
  async close(): Promise<void> {
    await this.flush();
    const socket = this.#tls;
    if (socket === undefined || socket.destroyed) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((resolve) => socket.end(resolve)),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, this.#waitMs()))),
    ]);
    clearTimeout(timer);
  }
}
