/**
 * How often a cached file is looked at again.
 *
 * The programs keep parsed control files, cdb readers and pattern files
 * while they are unchanged, and notice a change by stat(). One stat per use
 * was one per recipient (about 27 µs each in a long session); instead each
 * file is stat()ed at most once per RECHECK_INTERVAL_MS, so a change is
 * picked up within a second, in a process that lives for one session
 * (exec mode) and in a long-lived one (mailfront-tcpsvd, cvm-qmail as a
 * service) alike.
 *
 * recheckAllNow() makes every cache look at its file on its next use, for a
 * listener told to reload (SIGHUP) and for tests that change a file and
 * must see the change at once. It is the one piece of process-wide state
 * here: a generation number, never anything of a session.
 */

/** A changed file is seen at most this long after the change. */
export const RECHECK_INTERVAL_MS = 1000;

/** A monotonic clock in milliseconds. */
export type Clock = () => number;

const monotonic: Clock = () => performance.now();

let generation = 0;

/** Every RecheckTimer is due on its next use. */
export function recheckAllNow(): void {
  generation++;
}

/** The listener's name for recheckAllNow: a worker told to reload (SIGHUP) calls it. */
export const recheckCaches = recheckAllNow;

export class RecheckTimer {
  #dueAt = Number.NEGATIVE_INFINITY;
  #generation = generation;
  readonly #clock: Clock;

  constructor(
    readonly intervalMs = RECHECK_INTERVAL_MS,
    clock: Clock = monotonic,
  ) {
    this.#clock = clock;
  }

  /** True when the file should be looked at now; it is then not due again for intervalMs. */
  due(): boolean {
    const now = this.#clock();
    if (now < this.#dueAt && this.#generation === generation) return false;
    this.#dueAt = now + this.intervalMs;
    this.#generation = generation;
    return true;
  }
}
