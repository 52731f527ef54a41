/**
 * Writes to the peer and knows when the bytes have left.
 *
 * Socket and pipe writes are asynchronous in Node: a process that calls
 * process.exit() right after write() can lose its last reply (a 221 or a
 * 421). Output counts writes in flight, and flush() resolves once all of
 * them have completed, so a program exits only after its final reply has
 * been handed to the kernel. A peer that went away turns writes into no-ops
 * (and is reported by `failed`) instead of an unhandled 'error' crash.
 */
import type { Writable } from 'node:stream';

export class Output {
  #stream: Writable;
  #inFlight = 0;
  #waiters: Array<() => void> = [];
  #failed: Error | undefined;
  #abandoned = false;
  #corked = false;
  /** Total bytes written, for "bytes out:" accounting. */
  bytesOut = 0;

  constructor(stream: Writable) {
    this.#stream = stream;
    this.#watch(stream);
  }

  #watch(stream: Writable): void {
    stream.on('error', (err: Error) => {
      this.#failed ??= err;
      this.#wake();
    });
    // Write callbacks of a destroyed stream may never come; nobody can be
    // waiting for bytes that will not leave.
    stream.on('close', () => this.#wake());
  }

  /** The write error that made the peer unreachable, if any. */
  get failed(): Error | undefined {
    return this.#failed;
  }

  /** Continues on another stream, for example the TLS layer after STARTTLS. */
  replaceStream(stream: Writable): void {
    this.uncork();
    this.#stream = stream;
    this.#watch(stream);
  }

  write(data: string | Buffer): void {
    if (this.#abandoned || this.#failed || this.#stream.destroyed || this.#stream.writableEnded) return;
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    if (bytes.length === 0) return;
    this.bytesOut += bytes.length;
    this.#inFlight++;
    this.#stream.write(bytes, (err) => {
      if (err) this.#failed ??= err;
      if (--this.#inFlight === 0) this.#wake();
    });
  }

  /**
   * Holds writes back, so that the replies to a pipelined batch of commands
   * leave in one write: until uncork(), flush(), or the input has to wait
   * for the peer (the protocol sets ByteInput's onWait to uncork), so no
   * reply is ever held while we wait for the client.
   */
  cork(): void {
    if (this.#corked || this.#abandoned || this.#stream.destroyed) return;
    this.#corked = true;
    this.#stream.cork();
  }

  /** Sends what cork() held back. */
  uncork(): void {
    if (!this.#corked) return;
    this.#corked = false;
    this.#stream.uncork();
  }

  /** Whether the stream wants us to wait for 'drain' before writing more. */
  get needsDrain(): boolean {
    return this.#stream.writableNeedDrain;
  }

  /**
   * Waits while the peer is not reading (the stream is over its high-water
   * mark), at most `timeoutMs`, so that a client that sends commands without
   * reading the answers cannot make them pile up in memory. False: the
   * bytes did not leave in time.
   */
  async drainedWithin(timeoutMs: number): Promise<boolean> {
    if (!this.needsDrain) return true;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    try {
      return await Promise.race([this.flush().then(() => true), timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Gives up on the peer (it stopped reading and timed out): nothing more is
   * written, flush() no longer waits, and the stream is destroyed (which
   * closes a socket; process.stdout ignores it, and runMain exits without
   * waiting long for it).
   */
  abandon(): void {
    this.#abandoned = true;
    this.#stream.destroy();
    this.#wake();
  }

  /** Resolves when every write so far has completed or failed, at once once abandoned; lifts the cork. */
  flush(): Promise<void> {
    this.uncork();
    if (this.#inFlight === 0 || this.#abandoned) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const resolve of waiters) resolve();
  }
}
