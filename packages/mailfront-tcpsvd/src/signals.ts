/**
 * The primary's signals. Two differences from tcpsvd, both on purpose
 * (docs/compat.md):
 *
 * - SIGTERM (and SIGINT) drain instead of orphaning: tcpsvd exits at once
 *   and leaves its children to finish; here the sessions live in the
 *   workers, so the listener closes the port at once (connections held
 *   for a -c slot are closed unanswered), tells every session to wind down
 *   (a message in DATA is received and queued; an idle SMTP session is
 *   answered 421 at its next command), and exits 0 when the last one is
 *   over, or when DRAIN_TIMEOUT has passed (then the remaining sessions are
 *   cut: none of their messages was acknowledged, so none is lost).
 * - SIGHUP, which kills tcpsvd, makes every worker look at its cached files
 *   again at once (rules cdb, program lookups, control files), and drops
 *   no session.
 */
import type { ListenerLog } from './log.js';
import type { ProcessPort } from './process-port.js';

export interface Stoppable {
  /** Sessions running now. */
  sessions(): number;
  /** Stop accepting and tell the workers to wind down. */
  stop(): void;
  recheck(): void;
  /** Resolves when every worker has exited. */
  exited(): Promise<void>;
  /** End every worker now. */
  kill(): void;
  drainMs: number;
}

/** Resolves with the listener's exit status once it has stopped. */
export function installStopAndReload(port: ProcessPort, log: ListenerLog, listener: Stoppable): Promise<number> {
  return new Promise((resolve) => {
    let stopping = false;
    const stop = (name: string) => {
      if (stopping) return;
      stopping = true;
      const left = listener.sessions();
      log.info(`${name} received, ${left === 0 ? 'exit' : `finishing ${left} session${left === 1 ? '' : 's'} (at most ${listener.drainMs / 1000} s)`}.`);
      listener.stop();
      const limit = setTimeout(() => {
        const cut = listener.sessions();
        if (cut > 0) log.warn(`drain limit of ${listener.drainMs / 1000} s reached: ending ${cut} session${cut === 1 ? '' : 's'}`);
        listener.kill();
      }, listener.drainMs);
      void listener.exited().then(() => {
        clearTimeout(limit);
        if (left > 0) log.info('exit.');
        resolve(0);
      });
    };
    port.onSignal('SIGTERM', () => stop('sigterm'));
    port.onSignal('SIGINT', () => stop('sigint'));
    port.onSignal('SIGHUP', () => {
      log.info('sighup received, checking cached files again.');
      listener.recheck();
    });
  });
}
