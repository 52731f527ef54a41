/**
 * Reads a file descriptor (the connection on fd 0, in exec mode) in pieces
 * of exactly the size the caller wants, and never a byte more: whatever the
 * program does not take stays in the kernel for the program it execs next.
 * PROXY headers (proxy-env) and early-talker detection (greetwait) read the
 * connection this way before handing it on.
 *
 * The sizes come from `sizeAfter`, which is asked once at the start and
 * then synchronously after every piece (Node fixes the buffer for the next
 * read right after the last one). Between pieces the descriptor is not being
 * read at all, and pause() stops reading at once, so nothing can be taken
 * from the kernel after the caller has decided to hand the connection on.
 *
 * The descriptor is never closed here: it belongs to the next program.
 */
import { Socket } from 'node:net';
import { TimeoutError } from './input.js';
import { usingStdioDescriptor } from './stdio.js';

export class DescriptorReader {
  readonly #socket: Socket;
  #size: number;
  #pieces: Buffer[] = [];
  #ended = false;
  #wake: (() => void) | undefined;

  /** `sizeAfter(undefined)` gives the first size; `sizeAfter(piece)` the next one after each piece; 0 stops reading. */
  constructor(fd: number, sizeAfter: (piece: Buffer | undefined) => number) {
    this.#size = Math.max(1, sizeAfter(undefined));
    this.#socket = new Socket({
      fd,
      readable: true,
      writable: false,
      onread: {
        buffer: () => Buffer.allocUnsafe(this.#size),
        callback: (n: number, buffer: Uint8Array) => {
          const piece = Buffer.from(buffer.subarray(0, n));
          this.#size = Math.max(1, sizeAfter(piece));
          this.#pieces.push(piece);
          this.#wake?.();
          // Every piece pauses reading until the caller asks for the next.
          return false;
        },
      },
    });
    this.#socket.pause();
    // libuv made the descriptor non-blocking: an exec must make it blocking again.
    usingStdioDescriptor(this.#socket, fd);
    const ended = () => {
      this.#ended = true;
      this.#wake?.();
    };
    this.#socket.on('end', ended);
    this.#socket.on('close', ended);
    // A reset connection is the end of input here, never a crash.
    this.#socket.on('error', ended);
  }

  /** The next piece; null at end of input. Throws TimeoutError when none comes within timeoutMs. */
  async read(timeoutMs: number): Promise<Buffer | null> {
    const ready = this.#pieces.shift();
    if (ready) return ready;
    if (this.#ended) return null;
    let timer: NodeJS.Timeout | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        this.#wake = resolve;
        timer = setTimeout(() => reject(new TimeoutError()), Math.max(1, timeoutMs));
        this.#socket.resume();
      });
    } finally {
      clearTimeout(timer);
      this.#wake = undefined;
      this.#socket.pause();
    }
    return this.#pieces.shift() ?? null;
  }

  /** Stops reading for good (the descriptor stays open for the next program). */
  stop(): void {
    this.#socket.pause();
    this.#socket.removeAllListeners('end');
  }
}
