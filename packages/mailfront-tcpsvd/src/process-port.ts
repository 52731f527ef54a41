/**
 * Everything the listener needs from its own process, in one place, so
 * that main() and everything below it take it as a value (bin.ts builds
 * the real one; tests pass stand-ins): signals, the IPC channel of a
 * worker, crashes, exit, ids, and how to start a worker (this script
 * again).
 */
import type { IdSetter } from './privileges.js';

export type Signal = 'SIGTERM' | 'SIGINT' | 'SIGHUP';

export interface ProcessPort {
  /** The script to run a worker with, and Node's own arguments for it. */
  readonly script: string;
  readonly execArgv: readonly string[];
  /**
   * Workers write to our own fds 1 and 2 (true), or through pipes into the
   * io the primary was given (false: tests, which collect the log).
   */
  readonly sharedOutput: boolean;
  onSignal(signal: Signal, handler: () => void): void;
  /** An exception or rejection nobody caught. */
  onCrash(handler: (e: unknown) => void): void;
  /** A worker's IPC channel: messages (with a handle, for sessions) from the primary. */
  onMessage(handler: (message: unknown, handle: unknown) => void): void;
  send(message: unknown): void;
  /** The primary went away (or closed the channel to stop us). */
  onDisconnect(handler: () => void): void;
  readonly ids: IdSetter;
}

export function processPort(): ProcessPort {
  return {
    script: process.argv[1]!,
    execArgv: process.execArgv,
    sharedOutput: true,
    onSignal: (signal, handler) => process.on(signal, handler),
    onCrash: (handler) => {
      process.on('uncaughtException', handler);
      process.on('unhandledRejection', handler);
    },
    onMessage: (handler) => process.on('message', handler),
    send: (message) => {
      if (process.connected) process.send?.(message);
    },
    onDisconnect: (handler) => process.on('disconnect', handler),
    ids: process as unknown as IdSetter,
  };
}
