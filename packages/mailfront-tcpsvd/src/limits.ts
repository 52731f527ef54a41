/**
 * -c and -C across all workers, kept in the primary, which sees every
 * connection (the workers only run sessions).
 *
 * -c: at most `concurrency` sessions at once. tcpsvd stops calling accept()
 * at the limit, so a new client connects and hears nothing until a slot
 * frees. Node cannot stop accepting on a listening socket, so the primary
 * accepts and holds such connections unread and unanswered, oldest first,
 * which looks the same to the client. The kernel no longer bounds that
 * queue, so it is capped at the -b backlog: beyond it a connection is
 * closed at once (tcpsvd's kernel would drop its SYNs and make it retry).
 *
 * -C: sessions per client address, counted including the new one (what
 * TCPCONCURRENCY says). The limit itself is checked by the worker after the
 * rules, since a `C` instruction can change it for a client.
 */
import type { Socket } from 'node:net';

export interface Waiting {
  socket: Socket;
  remoteIp: string;
}

export class ConnectionTable {
  #live = 0;
  readonly #perHost = new Map<string, number>();
  readonly #held: Waiting[] = [];

  constructor(
    readonly concurrency: number,
    /** Most connections held while at -c. */
    readonly holdLimit: number,
  ) {}

  get live(): number {
    return this.#live;
  }

  get held(): number {
    return this.#held.length;
  }

  hasRoom(): boolean {
    return this.#live < this.concurrency;
  }

  /** Takes a slot for a session from `ip`; returns the sessions from `ip` now, this one included. */
  begin(ip: string): number {
    this.#live++;
    return this.#add(ip);
  }

  /**
   * A session's client turned out to be `to` (a PROXY header), not `from`:
   * its -C count moves, its -c slot stays. Returns the sessions from `to`
   * now, this one included.
   */
  move(from: string, to: string): number {
    this.#remove(from);
    return this.#add(to);
  }

  /** Frees the slot of a session from `ip`. */
  end(ip: string): void {
    if (this.#live > 0) this.#live--;
    this.#remove(ip);
  }

  /** One more session from `ip`; returns the sessions from it now. */
  #add(ip: string): number {
    const count = (this.#perHost.get(ip) ?? 0) + 1;
    this.#perHost.set(ip, count);
    return count;
  }

  /** One session fewer from `ip`; an address with none left is forgotten. */
  #remove(ip: string): void {
    const count = (this.#perHost.get(ip) ?? 1) - 1;
    if (count > 0) this.#perHost.set(ip, count);
    else this.#perHost.delete(ip);
  }

  /** Holds a connection until a slot frees; false when the queue is full (close it). */
  hold(waiting: Waiting): boolean {
    if (this.#held.length >= this.holdLimit) return false;
    this.#held.push(waiting);
    return true;
  }

  /** The oldest held connection that is still open, when there is room for it. */
  nextHeld(): Waiting | undefined {
    while (this.hasRoom() && this.#held.length > 0) {
      const waiting = this.#held.shift()!;
      if (!waiting.socket.destroyed) return waiting;
    }
    return undefined;
  }

  /** Empties the queue (stopping): every held connection is closed unanswered. */
  dropHeld(): number {
    const dropped = this.#held.splice(0);
    for (const w of dropped) w.socket.destroy();
    return dropped.length;
  }
}
