/**
 * Reading a PROXY header off a connection: a short deadline for the whole
 * header, a size cap (107 bytes for v1, a local maximum for v2), any
 * fragmentation, and not one byte of the session taken. In exec mode the
 * connection is a descriptor read in exact pieces (DescriptorReader); in
 * listen mode it is the socket's stream, read with stream.read(n), so what
 * follows the header stays in the stream for the session.
 */
import type { Readable } from 'node:stream';
import { DescriptorReader } from '../descriptor-reader.js';
import { TimeoutError } from '../input.js';
import { stopReading } from '../stop-reading.js';
import { parseProxyHeader, type ParseOptions } from './header.js';
import type { ProxyHeader, ProxyParse } from './types.js';

export type ProxyProblem = 'invalid' | 'truncated' | 'timeout';

export class ProxyHeaderError extends Error {
  constructor(
    readonly problem: ProxyProblem,
    message: string,
  ) {
    super(message);
    this.name = 'ProxyHeaderError';
  }
}

export interface ReadOptions extends ParseOptions {
  /** Time allowed for the whole header, in ms. */
  timeoutMs: number;
}

/** The header's bytes so far and what they amount to. */
class Accumulator {
  #bytes = Buffer.alloc(0);
  state: ProxyParse;

  constructor(private readonly options: ParseOptions) {
    this.state = parseProxyHeader(this.#bytes, options);
  }

  /** Adds a piece; returns how many more bytes to read (0: done or invalid). */
  add(piece: Buffer): number {
    this.#bytes = Buffer.concat([this.#bytes, piece]);
    this.state = parseProxyHeader(this.#bytes, this.options);
    return this.state.kind === 'incomplete' ? this.state.need : 0;
  }

  get received(): number {
    return this.#bytes.length;
  }
}

function outcome(acc: Accumulator): ProxyHeader {
  const state = acc.state;
  if (state.kind === 'complete') return state.header;
  if (state.kind === 'invalid') throw new ProxyHeaderError('invalid', state.reason);
  throw new ProxyHeaderError('truncated', `the connection ended after ${acc.received} bytes of a PROXY header`);
}

/** Runs `more` (which reads a piece into the accumulator; false at end of input) until the header is decided. */
async function readUntilDone(acc: Accumulator, more: (leftMs: number) => Promise<boolean>, timeoutMs: number): Promise<ProxyHeader> {
  const deadline = Date.now() + timeoutMs;
  try {
    while (acc.state.kind === 'incomplete') {
      if (!(await more(deadline - Date.now()))) break;
    }
  } catch (e) {
    if (e instanceof TimeoutError) throw new ProxyHeaderError('timeout', `no complete PROXY header within ${timeoutMs} ms (${acc.received} bytes)`);
    throw e;
  }
  return outcome(acc);
}

/** Exec mode: the header from descriptor `fd`, leaving everything after it unread in the kernel. */
export async function readProxyHeaderFromDescriptor(fd: number, options: ReadOptions): Promise<ProxyHeader> {
  const acc = new Accumulator(options);
  const initial = acc.state.kind === 'incomplete' ? acc.state.need : 1;
  // The reader feeds the accumulator as each piece arrives: the size of the next read depends on it.
  const reader = new DescriptorReader(fd, (piece) => (piece === undefined ? initial : acc.add(piece)));
  try {
    return await readUntilDone(acc, async (leftMs) => (await reader.read(leftMs)) !== null, options.timeoutMs);
  } finally {
    reader.stop();
  }
}

/**
 * Listen mode: the header from the connection's stream; the session's bytes
 * stay in the stream, and the socket stops reading once the header is in.
 */
export async function readProxyHeader(stream: Readable, options: ReadOptions): Promise<ProxyHeader> {
  const acc = new Accumulator(options);
  const more = async (leftMs: number) => {
    const piece = await readExactly(stream, acc.state.kind === 'incomplete' ? acc.state.need : 1, leftMs);
    if (piece !== null) acc.add(piece);
    return piece !== null;
  };
  try {
    return await readUntilDone(acc, more, options.timeoutMs);
  } finally {
    stopReading(stream);
  }
}

/** Up to `max` bytes of what the stream has (waiting for some), never more; null at its end. */
function readExactly(stream: Readable, max: number, timeoutMs: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const events = ['readable', 'end', 'close', 'error'] as const;
    const cleanup = () => {
      clearTimeout(timer);
      for (const event of events) stream.off(event, attempt);
    };
    const attempt = () => {
      const available = stream.readableLength;
      if (available > 0) {
        const piece = stream.read(Math.min(max, available)) as Buffer | null;
        if (piece !== null) {
          cleanup();
          return resolve(piece);
        }
      }
      if (stream.readableEnded || stream.destroyed || (stream as { readableAborted?: boolean }).readableAborted) {
        cleanup();
        resolve(null);
      }
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new TimeoutError());
    }, Math.max(1, timeoutMs));
    for (const event of events) stream.on(event, attempt);
    stream.read(0);
    attempt();
  });
}
