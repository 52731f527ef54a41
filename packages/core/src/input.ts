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
}

export class ByteInput implements ByteSource {
  /** Bytes handed back by readers, returned before new stream data (LIFO). */
  #pushedBack: Buffer[] = [];
  #stream: Readable;
  #ended = false;
  #error: Error | undefined;
  /** Removes our listeners from the current stream. */
  #unwatch: () => void = () => {};
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
    const ended = () => (this.#ended = true);
    // A reset connection is the end of input for a reader; the error is kept
    // only for diagnostics, it must not crash the process.
    const failed = (err: Error) => {
      this.#error = err;
      this.#ended = true;
    };
    stream.on('end', ended);
    stream.on('close', ended);
    stream.on('error', failed);
    this.#unwatch = () => {
      stream.off('end', ended);
      stream.off('close', ended);
      stream.off('error', failed);
      // The stream lives on under another layer (TLS); an error there must
      // still never be an unhandled 'error' event.
      stream.on('error', () => {});
    };
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

  /** Takes everything received but not yet consumed, in order, leaving nothing buffered. */
  takePending(): Buffer[] {
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
    const back = this.#pushedBack.pop();
    if (back) return back;
    for (;;) {
      const chunk = this.#stream.read() as Buffer | null;
      if (chunk !== null) {
        this.bytesIn += chunk.length;
        return chunk;
      }
      if (this.#ended || this.#stream.readableEnded || this.#stream.destroyed) return null;
      this.onWait?.();
      await this.#readable(timeoutMs);
    }
  }

  /** Waits until the stream has data, ends, fails or the time runs out. */
  #readable(timeoutMs: number | undefined): Promise<void> {
    const stream = this.#stream;
    return new Promise((resolve, reject) => {
      const events = ['readable', 'end', 'close', 'error'] as const;
      let timer: NodeJS.Timeout | undefined;
      const cleanup = () => {
        clearTimeout(timer);
        for (const event of events) stream.off(event, ready);
      };
      const ready = () => {
        cleanup();
        resolve();
      };
      for (const event of events) stream.on(event, ready);
      if (timeoutMs !== undefined && timeoutMs > 0) {
        timer = setTimeout(() => {
          cleanup();
          reject(new TimeoutError());
        }, timeoutMs);
      }
    });
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
