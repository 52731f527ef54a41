/**
 * The conversation with a refused client, as rblsmtpd 0.88 holds it: a
 * greeting, then 250 to HELO/EHLO/MAIL/RSET/NOOP, 221 and the end at QUIT,
 * and the refusal line to every other command, so that the sending MTA gets
 * the refusal at RCPT and logs it per recipient. One timer covers the whole
 * conversation (not each command); when it runs out the connection is
 * dropped without a word. With a timeout of 0 the refusal is written once,
 * without a greeting, and nothing is read.
 */
import { ByteInput, Output, TimeoutError, readLine, type ByteSource } from '@mailfront/core';
import type { Readable, Writable } from 'node:stream';

export const GREETING = '220 rblsmtpd.local\r\n';
export const ACCEPTED = '250 rblsmtpd.local\r\n';
export const GOODBYE = '221 rblsmtpd.local\r\n';
/** The verbs answered with 250; QUIT ends; everything else gets the refusal. */
const ACCEPTED_VERBS = new Set(['helo', 'ehlo', 'mail', 'rset', 'noop']);
/**
 * Longest command line kept (the original keeps any length). The rest of a
 * longer line is read and dropped; only the verb before the first space
 * matters, so the answers are the same.
 */
export const MAX_COMMAND_LENGTH = 4096;
/** The reason is cut to this many bytes before the code is put in front of it. */
export const MAX_REASON_BYTES = 200;

/**
 * The refusal line without CR LF: code, space, reason cut to 200 bytes, and
 * every byte of the line outside 32..126 replaced by `?`. The reason arrives
 * one character per byte (from the environment or from DNS TXT as latin1).
 */
export function refusalLine(code: number, reason: string): string {
  return `${code} ${reason.slice(0, MAX_REASON_BYTES)}`.replace(/[^\x20-\x7e]/g, '?');
}

/** What the client gets for one command line (without its line end). */
export function answerFor(line: Buffer, refusal: string): { reply: string; quit: boolean } {
  // The original turns NUL into LF, so a NUL never ends the verb early.
  const text = line.toString('latin1').replace(/\0/g, '\n');
  const space = text.indexOf(' ');
  const verb = (space === -1 ? text : text.slice(0, space)).toLowerCase();
  if (verb === 'quit') return { reply: GOODBYE, quit: true };
  return { reply: ACCEPTED_VERBS.has(verb) ? ACCEPTED : refusal + '\r\n', quit: false };
}

/** Reads from another source, but never past a fixed moment. */
class DeadlineSource implements ByteSource {
  constructor(
    private readonly inner: ByteSource,
    private readonly deadline: number,
  ) {}

  read(): Promise<Buffer | null> {
    const left = this.deadline - Date.now();
    if (left <= 0) return Promise.reject(new TimeoutError());
    return this.inner.read(left);
  }

  unread(bytes: Buffer): void {
    this.inner.unread(bytes);
  }
}

export interface RefusalStreams {
  stdin: Readable;
  stdout: Writable;
}

/** How the conversation ended: the client left or quit, or the time ran out. */
export type RefusalEnd = 'quit' | 'eof' | 'timeout';

/**
 * Holds the conversation. `refusal` is the line from refusalLine(). Resolves
 * when it is over and every reply has left, or at the deadline (then the
 * caller drops the connection). A listener that winds down (`windDown`)
 * cuts the conversation short the same way: the client was refused anyway.
 */
export async function holdRefusal(streams: RefusalStreams, refusal: string, timeoutMs: number, windDown?: AbortSignal): Promise<RefusalEnd> {
  const out = new Output(streams.stdout);
  if (timeoutMs === 0) {
    out.write(refusal + '\r\n');
    await out.flush();
    return 'quit';
  }
  const deadline = Date.now() + timeoutMs;
  let timer: NodeJS.Timeout | undefined;
  let stopWaiting = () => {};
  const expired = new Promise<RefusalEnd>((resolve) => {
    const expire = () => resolve('timeout');
    timer = setTimeout(expire, timeoutMs);
    windDown?.addEventListener('abort', expire, { once: true });
    stopWaiting = () => windDown?.removeEventListener('abort', expire);
    if (windDown?.aborted) expire();
  });
  const talk = async (): Promise<RefusalEnd> => {
    const source = new DeadlineSource(new ByteInput(streams.stdin), deadline);
    out.write(GREETING);
    for (;;) {
      const line = await readLine(source, MAX_COMMAND_LENGTH);
      // A last line without LF is not a command: the original stops reading at end of input.
      if (line === null || line.ending === 'eof') break;
      const { reply, quit } = answerFor(line.bytes, refusal);
      out.write(reply);
      // A client that does not read its replies must not make us buffer them without end.
      if (out.needsDrain) await out.flush();
      if (quit) {
        await out.flush();
        return 'quit';
      }
    }
    await out.flush();
    return 'eof';
  };
  try {
    return await Promise.race([
      talk().catch((e: unknown) => {
        if (e instanceof TimeoutError) return 'timeout' as const;
        throw e;
      }),
      expired,
    ]);
  } finally {
    clearTimeout(timer);
    stopWaiting();
  }
}
