/**
 * The client's side of the connection while the greeting is held back, in
 * the two modes. Either way nothing of a patient client is taken: in exec
 * mode the descriptor is read one byte at a time and not at all once the
 * wait is over (DescriptorReader), so the SMTP server exec'd next finds
 * everything in the kernel; in listen mode the socket's stream keeps what
 * it buffered for the next program, and the wait costs one entry in a
 * shared DeadlineQueue instead of a timer of its own.
 */
import type { Readable } from 'node:stream';
import { DescriptorReader, stopReading, TimeoutError } from '@mailfront/core';
import type { DeadlineQueue } from './deadlines.js';

export type WaitOutcome = 'quiet' | 'closed' | Buffer;

export interface GreetInput {
  /** Waits up to `ms`: 'quiet' if the client sent nothing (and nothing more is read), 'closed' at its end of input, or its first bytes. */
  wait(ms: number): Promise<WaitOutcome>;
  /** After early talk: what else the client sends within `ms`; null when it closed or the time is up. */
  next(ms: number): Promise<Buffer | null>;
}

/** Exec mode: the connection on descriptor `fd`. */
export function descriptorInput(fd: number): GreetInput {
  // One byte tells an early talker; after that, larger pieces to drain it.
  const reader = new DescriptorReader(fd, (piece) => (piece === undefined ? 1 : 4096));
  const readWithin = async (ms: number) => {
    try {
      return await reader.read(ms);
    } catch (e) {
      if (e instanceof TimeoutError) return undefined;
      /* c8 ignore next: DescriptorReader throws nothing else */
      throw e;
    }
  };
  return {
    async wait(ms) {
      const piece = await readWithin(ms);
      if (piece === undefined) {
        reader.stop();
        return 'quiet';
      }
      return piece ?? 'closed';
    },
    async next(ms) {
      return (await readWithin(ms)) ?? null;
    },
  };
}

/** Listen mode: the socket's stream; the wait's deadline is an entry in `queue`. */
export function streamInput(stream: Readable, queue: DeadlineQueue): GreetInput {
  const settle = (ms: number, schedule: (ms: number, done: () => void) => { cancel(): void }): Promise<Buffer | 'closed' | 'time'> =>
    new Promise((resolve) => {
      const events = ['readable', 'end', 'close', 'error'] as const;
      const finish = (outcome: Buffer | 'closed' | 'time') => {
        waiting.cancel();
        for (const event of events) stream.off(event, check);
        resolve(outcome);
      };
      const check = () => {
        // read() also lets the stream notice its end when nothing is buffered.
        const chunk = stream.read() as Buffer | null;
        if (chunk !== null) finish(chunk);
        else if (stream.readableEnded || stream.destroyed || stream.errored) finish('closed');
      };
      const waiting = schedule(ms, () => finish('time'));
      for (const event of events) stream.on(event, check);
      check();
    });
  const timer = (ms: number, done: () => void) => {
    const t = setTimeout(done, ms);
    return { cancel: () => clearTimeout(t) };
  };
  return {
    async wait(ms) {
      const outcome = await settle(ms, (after, done) => queue.after(after, done));
      if (outcome !== 'time') return outcome;
      stopReading(stream);
      return 'quiet';
    },
    async next(ms) {
      const outcome = await settle(ms, timer);
      return typeof outcome === 'string' ? null : outcome;
    },
  };
}
