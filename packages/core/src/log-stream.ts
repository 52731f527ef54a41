/**
 * stderr for log lines: buffered, written asynchronously, whole lines only.
 *
 * A synchronous write(2) per log line cost about 20 µs a message in
 * mailfront-smtpd and 15 µs a lookup in cvm-qmail, and a log reader that
 * falls behind (a full pipe to svlogd) would stop the whole process, every
 * session of a long-lived one included. So lines are queued, and the queue
 * goes out after the current turn of the event loop (so the lines of one
 * reply batch, or of the lookups answered together, leave in one write)
 * through the thread pool, never blocking the event loop.
 *
 * Several processes usually share one log pipe (every child of tcpsvd
 * writes to the same svlogd). A write of at most PIPE_BUF bytes to a pipe
 * is atomic, so each write is made of whole queued lines and is at most
 * PIPE_BUF bytes long: no other process's bytes can land inside a line. A
 * line is one write() call of the program (createLogger makes them at most
 * PIPE_BUF bytes long).
 *
 * Nothing is lost at exit: runMain flushes before it exits (also on
 * SIGTERM, SIGINT and SIGHUP and after a fatal error), handOff before exec,
 * and the 'exit' event writes whatever is still queued synchronously (an
 * uncaught exception). A failing stderr (the reader went away) drops the
 * lines and counts them in `lostBytes`; it never crashes the program.
 */
import { write as fsWrite, writeSync } from 'node:fs';
import { Writable } from 'node:stream';

/** Writes up to this size to a pipe are atomic on Linux (and POSIX's minimum is 512). */
export const PIPE_BUF = 4096;

/** How long to wait before trying again when the descriptor is non-blocking and the pipe is full. */
const RETRY_MS = 10;

type WriteFn = typeof fsWrite;
type Callback = (error?: Error | null) => void;

export class LogStream extends Writable {
  readonly #fd: number;
  readonly #write: WriteFn;
  /** Lines accepted and not yet handed to a write. */
  #queue: Buffer[] = [];
  /** Bytes accepted so far, and bytes written (or given up on) so far. */
  #accepted = 0;
  #settled = 0;
  /** Callbacks of write() and flush(), each waiting for the bytes accepted before it. */
  #waiting: Array<{ upTo: number; callback: Callback }> = [];
  #queuedBytes = 0;
  #inFlight = false;
  #scheduled = false;
  #lingering: NodeJS.Timeout | undefined;
  #corks = 0;
  /** Bytes dropped because the descriptor failed (EPIPE, EBADF, …). */
  lostBytes = 0;
  /**
   * How long lines may wait to be gathered into one write. 0 (the default)
   * writes after the current turn of the event loop: the lines of one reply
   * batch together. A long-lived server answering many short requests (a
   * CVM module) sets a few milliseconds, so that the lines of many requests
   * share a write instead of costing a trip through the thread pool each.
   * A full PIPE_BUF of lines, flush(), a write with a callback, exit, exec
   * and a signal never wait for it.
   */
  lingerMs = 0;

  constructor(fd = 2, write: WriteFn = fsWrite) {
    super();
    this.#fd = fd;
    this.#write = write;
  }

  /** Queues bytes; the callback runs once they (and all before them) are written. Never applies backpressure. */
  override write(chunk: unknown, encoding?: BufferEncoding | Callback, callback?: Callback): boolean {
    const done = typeof encoding === 'function' ? encoding : callback;
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, typeof encoding === 'string' ? encoding : 'utf8') : (chunk as Buffer);
    if (bytes.length > 0) {
      this.#queue.push(bytes);
      this.#queuedBytes += bytes.length;
      this.#accepted += bytes.length;
    }
    if (done) this.#waiting.push({ upTo: this.#accepted, callback: done });
    this.#schedule();
    return true;
  }

  /** Holds the queue back until as many uncork() calls. */
  override cork(): void {
    this.#corks++;
  }

  override uncork(): void {
    if (this.#corks > 0) this.#corks--;
    this.#schedule();
  }

  /** Bytes accepted and not yet written. */
  get pendingBytes(): number {
    return this.#accepted - this.#settled;
  }

  /** Resolves once everything queued so far is written; lifts any cork. */
  flush(): Promise<void> {
    this.#corks = 0;
    return new Promise((resolve) => this.write(Buffer.alloc(0), () => resolve()));
  }

  /**
   * Writes what is queued at once, synchronously, for the 'exit' event:
   * the last resort when the process ends without flush(). A write the
   * thread pool has in hand cannot be waited for there.
   */
  flushSync(): void {
    for (const chunk of this.#takeAll()) {
      try {
        writeSync(this.#fd, chunk);
      } catch {
        this.lostBytes += chunk.length;
      }
      this.#settle(chunk.length);
    }
  }

  override end(...args: unknown[]): this {
    const done = args.find((a): a is () => void => typeof a === 'function');
    const chunk = args[0];
    if (chunk !== undefined && typeof chunk !== 'function') this.write(chunk);
    void this.flush().then(() => done?.());
    return this;
  }

  #schedule(): void {
    if (this.#scheduled || this.#inFlight || this.#corks > 0) return;
    if (this.lingerMs > 0 && this.#queuedBytes < PIPE_BUF && this.#waiting.length === 0) {
      this.#lingering ??= setTimeout(() => {
        this.#lingering = undefined;
        this.#writeNext();
      }, this.lingerMs).unref();
      return;
    }
    clearTimeout(this.#lingering);
    this.#lingering = undefined;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#writeNext();
    });
  }

  #writeNext(): void {
    if (this.#inFlight || this.#corks > 0) return;
    const chunk = this.#takeChunk();
    if (chunk === undefined) return this.#settle(0);
    this.#inFlight = true;
    this.#writeAll(chunk, 0, () => {
      this.#inFlight = false;
      this.#settle(chunk.length);
      this.#writeNext();
    });
  }

  /** Whole queued lines, at most PIPE_BUF bytes together (a longer single line goes alone). */
  #takeChunk(): Buffer | undefined {
    if (this.#queue.length === 0) return undefined;
    let count = 1;
    let size = this.#queue[0]!.length;
    while (count < this.#queue.length && size + this.#queue[count]!.length <= PIPE_BUF) size += this.#queue[count++]!.length;
    const parts = this.#queue.splice(0, count);
    this.#queuedBytes -= size;
    return parts.length === 1 ? parts[0] : Buffer.concat(parts, size);
  }

  #takeAll(): Buffer[] {
    const chunks: Buffer[] = [];
    for (let chunk; (chunk = this.#takeChunk()) !== undefined; ) chunks.push(chunk);
    return chunks;
  }

  #writeAll(chunk: Buffer, from: number, done: () => void): void {
    const lose = () => {
      this.lostBytes += chunk.length - from;
      done();
    };
    const written = (error: NodeJS.ErrnoException | null, count: number) => {
      if (error?.code === 'EAGAIN') return void setTimeout(() => this.#writeAll(chunk, from, done), RETRY_MS);
      if (error) return lose();
      if (from + count < chunk.length) return this.#writeAll(chunk, from + count, done);
      done();
    };
    try {
      this.#write(this.#fd, chunk, from, chunk.length - from, null, written);
    } catch {
      // A descriptor fs.write refuses outright (closed, out of range).
      lose();
    }
  }

  #settle(bytes: number): void {
    this.#settled += bytes;
    const ready = this.#waiting.filter((w) => w.upTo <= this.#settled);
    if (ready.length === 0) return;
    this.#waiting = this.#waiting.filter((w) => w.upTo > this.#settled);
    for (const w of ready) w.callback(null);
  }
}

let log: LogStream | undefined;

/** The process's log on fd 2: one LogStream per process, shared by all its sessions. */
export function processLog(): LogStream {
  return (log ??= new LogStream(2));
}
