/**
 * Extension points of the primary, for what sees every connection of every
 * worker: rate limits and the PROXY front-end list (admission), metrics
 * (session start and end with the session's counters).
 *
 * Admission checks run in the primary for each accepted connection, before
 * it takes a -c slot or reaches a worker (so before the rules and the -C
 * check, which the worker applies). A check that refuses writes its message
 * (best effort, one write) and the connection is closed; the check logs
 * what it wants. Checks must be quick and synchronous: the primary's event
 * loop is on the accept path.
 */

/** A connection as the primary sees it when it is accepted. */
export interface Arrival {
  remoteIp: string;
  remotePort: number;
  localIp: string;
  localPort: number;
}

export interface Refusal {
  /** Sent to the client before the close (may be empty). */
  message: Buffer;
}

export type AdmissionCheck = (arrival: Arrival) => Refusal | undefined;

export interface SessionStart extends Arrival {
  id: number;
  /** Sessions from this address now, this one included. */
  concurrency: number;
}

export interface SessionEnd {
  id: number;
  remoteIp: string;
  /** The `end ID exit N` status. */
  status: number;
  /** What the session's programs counted (core's countFor): messages, recipients, bytes. */
  counters: Record<string, number>;
  /** Durations the session's programs recorded (core's observeFor), in seconds, by name. */
  observations: Record<string, number[]>;
  durationMs: number;
}

/** Why the primary closed a connection without a session. */
export type Dropped = 'limit';

export interface ListenerHooks {
  admission: AdmissionCheck[];
  sessionStart: Array<(start: SessionStart) => void>;
  sessionEnd: Array<(end: SessionEnd) => void>;
  /** A connection closed at once: -c reached and the -b queue of held connections full. */
  dropped: Array<(arrival: Arrival, why: Dropped) => void>;
  /** The rate limits' clock (ms); tests pass one they move by hand. */
  clock?: () => number;
}

export function noHooks(): ListenerHooks {
  return { admission: [], sessionStart: [], sessionEnd: [], dropped: [] };
}
