/**
 * Pull-based byte input over a Readable stream.
 *
 * Protocol code asks for the next chunk only when it is ready for it, so a
 * client that sends faster than a backend accepts is held back by TCP flow
 * control instead of filling memory. Readers that consume less than a chunk
 * (a command line, a netstring) push the rest back with unread(), which is
 * what makes pipelining safe: a DATA command and the message bytes that
 * arrived in the same packet are handed to the DATA decoder in order.
 */
import type { Readable } from 'node:stream';
import { onAbort } from './abort-waiters.js';

/** The peer closed the connection where more input was required. */
export class EofError extends Error {
  constructor(message = 'connection closed by peer') {
    super(message);
    this.name = 'EofError';
  }
}

/** No input arrived within the allowed time. */
export class TimeoutError extends Error {
  constructor(message = 'timed out waiting for input') {
    super(message);
    this.name = 'TimeoutError';
  }
}

/** What the line, DATA and netstring readers consume. */
export interface ByteSource {
  /** The next chunk of input; null at end of input. */
  read(timeoutMs?: number): Promise<Buffer | null>;
  /** Puts bytes back so the next read() returns them first. */
  unread(bytes: Buffer): void;
  /**
   * The next chunk if it is already here, without a promise: bytes, null at
   * the end of input, undefined when read() would wait. Optional: a reader
   * uses it to skip a turn of the event loop where it can.
   */
  readNow?(): Buffer | null | undefined;
}

export class ByteInput implements ByteSource {
  /** Bytes handed back by readers, returned before new stream data (LIFO). */
  #pushedBack: Buffer[] = [];
  #stream: Readable;
  #ended = false;
  #error: Error | undefined;
  /** Removes our listeners from the current stream. */
  #unwatch: () => void = () => {};
  /**
   * Whether our 'readable' listener is on the stream. It is put on at the
   * first wait and stays (adding and removing it around every wait costs
   * the stream two deferred calls each time); takePending and replaceStream
   * take it off, since whoever takes the stream over may read it in
   * flowing mode, which a 'readable' listener would stop.
   */
  #listening = false;
  /** The read waiting for the stream, if one is. */
  #wait: { resolve: () => void; reject: (e: Error) => void; deadline: number; stopWaiting: (() => void) | undefined } | undefined;
  /**
   * One timer for every wait's deadline, set again only when it would fire
   * too late: a wait that ends before its deadline (almost all of them)
   * leaves it running, and when it fires early it sets itself for what is
   * left of the current wait, if any. Unreferenced while nobody waits.
   */
  #timer: NodeJS.Timeout | undefined;
  #timerAt = 0;
  /** Total bytes taken from the stream, for "bytes in:" accounting. */
  bytesIn = 0;
  /**
   * Called when a read has to wait for the peer (everything received is
   * consumed): the moment to send replies held back for a batch
   * (Output.uncork), since the peer may be waiting for them.
   */
  onWait: (() => void) | undefined;

  constructor(stream: Readable) {
    this.#stream = stream;
    this.#watch(stream);
  }

  #watch(stream: Readable): void {
    const ended = () => {
      this.#ended = true;
      this.#stopTimer();
      this.#wake();
    };
    // A reset connection is the end of input for a reader; the error is kept
    // only for diagnostics, it must not crash the process.
    const failed = (err: Error) => {
      this.#error = err;
      ended();
    };
    stream.on('end', ended);
    stream.on('close', ended);
    stream.on('error', failed);
    this.#unwatch = () => {
      stream.off('end', ended);
      stream.off('close', ended);
      stream.off('error', failed);
      this.#stopListening();
      // The stream lives on under another layer (TLS); an error there must
      // still never be an unhandled 'error' event.
      stream.on('error', () => {});
    };
  }

  readonly #onReadable = (): void => this.#wake();

  #stopListening(): void {
    if (!this.#listening) return;
    this.#listening = false;
    this.#stream.off('readable', this.#onReadable);
  }

  /** The error that ended the stream early, if any. */
  get error(): Error | undefined {
    return this.#error;
  }

  /** Bytes already received but not yet consumed by any reader. */
  get pending(): number {
    return this.#pushedBack.reduce((n, b) => n + b.length, 0) + this.#stream.readableLength;
  }

  unread(bytes: Buffer): void {
    if (bytes.length > 0) this.#pushedBack.push(bytes);
  }

  /**
   * Drops everything received but not yet consumed and returns how many bytes
   * that was. STARTTLS needs this: commands a client pipelined before the
   * handshake must never be executed inside the encrypted session.
   */
  discardPending(): number {
    return this.takePending().reduce((n, b) => n + b.length, 0);
  }

  /** Takes everything received but not yet consumed, in order, leaving nothing buffered; the caller may take the stream over. */
  takePending(): Buffer[] {
    this.#stopListening();
    const taken = this.#pushedBack.reverse();
    this.#pushedBack = [];
    for (let chunk: Buffer | null; (chunk = this.#stream.read() as Buffer | null) !== null; ) {
      taken.push(chunk);
      this.bytesIn += chunk.length;
    }
    return taken;
  }

  /** Continues on another stream, for example the TLS layer after STARTTLS. */
  replaceStream(stream: Readable): void {
    this.#unwatch();
    this.#pushedBack = [];
    this.#stream = stream;
    this.#ended = false;
    this.#error = undefined;
    this.#watch(stream);
  }

  async read(timeoutMs?: number): Promise<Buffer | null> {
    for (;;) {
      const chunk = this.readNow();
      if (chunk !== undefined) return chunk;
      await this.wait(timeoutMs);
    }
  }

  /**
   * The next chunk if it is here: bytes, null at the end of input, or
   * undefined when a read would have to wait (then wait() and ask again).
   * The synchronous half of read(), for a protocol that reads a command
   * without a promise when its bytes have arrived.
   */
  readNow(): Buffer | null | undefined {
    const back = this.#pushedBack.pop();
    if (back) return back;
    const chunk = this.#stream.read() as Buffer | null;
    if (chunk !== null) {
      this.bytesIn += chunk.length;
      return chunk;
    }
    if (this.#ended || this.#stream.readableEnded || this.#stream.destroyed) return null;
    return undefined;
  }

  /**
   * Waits until the stream has data, ends or fails (onWait is called
   * first); rejects with TimeoutError after timeoutMs. With `interruptedBy`
   * it also ends, resolving, when that signal aborts (the listener winds
   * down): the caller looks at the signal.
   */
  wait(timeoutMs?: number, interruptedBy?: AbortSignal): Promise<void> {
    this.onWait?.();
    if (!this.#listening) {
      this.#listening = true;
      this.#stream.on('readable', this.#onReadable);
    }
    const deadline = timeoutMs !== undefined && timeoutMs > 0 ? Date.now() + timeoutMs : 0;
    return new Promise((resolve, reject) => {
      const stopWaiting = interruptedBy ? onAbort(interruptedBy, () => this.#wake()) : undefined;
      this.#wait = { resolve, reject, deadline, stopWaiting };
      if (deadline !== 0) this.#setTimer(deadline);
    });
  }

  #wake(): void {
    const wait = this.#wait;
    if (wait === undefined) return;
    this.#wait = undefined;
    wait.stopWaiting?.();
    // Nobody waits now: the timer must not keep the process alive.
    this.#timer?.unref();
    wait.resolve();
  }

  #setTimer(deadline: number): void {
    if (this.#timer !== undefined && this.#timerAt <= deadline) {
      this.#timer.ref();
      return;
    }
    clearTimeout(this.#timer);
    this.#timerAt = deadline;
    this.#timer = setTimeout(this.#onTimer, Math.max(1, deadline - Date.now()));
  }

  readonly #onTimer = (): void => {
    this.#timer = undefined;
    const wait = this.#wait;
    if (wait === undefined || wait.deadline === 0) return;
    if (Date.now() < wait.deadline) return this.#setTimer(wait.deadline);
    this.#wait = undefined;
    wait.stopWaiting?.();
    wait.reject(new TimeoutError());
  };

  /** The stream is over: nothing will wait again, and a finished session must not be kept in memory by its timer. */
  #stopTimer(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

/**
 * A window of at most `limit` bytes of another source, for framed protocols:
 * a QMQP package or a QMTP message is read through it, so no inner reader can
 * run past the length its frame declared. Bytes beyond the window are pushed
 * back to the outer source.
 */
export class LimitedSource implements ByteSource {
  #remaining: number;
  #source: ByteSource;

  constructor(source: ByteSource, limit: number) {
    this.#source = source;
    this.#remaining = limit;
  }

  /** Bytes of the window not yet consumed. */
  get remaining(): number {
    return this.#remaining;
  }

  async read(timeoutMs?: number): Promise<Buffer | null> {
    if (this.#remaining === 0) return null;
    const chunk = await this.#source.read(timeoutMs);
    if (chunk === null) return null;
    if (chunk.length > this.#remaining) {
      this.#source.unread(chunk.subarray(this.#remaining));
      const head = chunk.subarray(0, this.#remaining);
      this.#remaining = 0;
      return head;
    }
    this.#remaining -= chunk.length;
    return chunk;
  }

  unread(bytes: Buffer): void {
    this.#remaining += bytes.length;
    this.#source.unread(bytes);
  }
}
