/**
 * One session's bug ends that session, not the worker and not the other
 * sessions on it.
 *
 * An exception inside a session's own promise chain is caught where the
 * session runs (Session.run). One thrown anywhere else (a timer, an
 * immediate or an unhandled rejection started by session code) reaches the
 * process's uncaughtException handler; every session runs inside an
 * AsyncLocalStorage scope, which follows such callbacks, so the handler
 * knows whose it is and crashes that session only. An exception that
 * belongs to no session is a bug of the listener itself: the worker logs it
 * and exits 111, and the primary starts another (the sessions on it end).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { crashText } from '@mailfront/core';
import type { ListenerLog } from './log.js';
import type { ProcessPort } from './process-port.js';
import type { Session } from './session.js';

export const sessionScope = new AsyncLocalStorage<Session>();

export const EXIT_WORKER_BUG = 111;

/** `exit` ends the worker (after its log lines have left). */
export function installCrashHandlers(port: ProcessPort, log: ListenerLog, exit: (code: number) => void): void {
  port.onCrash((e: unknown) => {
    const session = sessionScope.getStore();
    if (session) {
      session.crash(e);
      return;
    }
    log.fatal(`internal error: ${crashText(e)}`);
    exit(EXIT_WORKER_BUG);
  });
}
