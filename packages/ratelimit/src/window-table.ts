/**
 * Events per key in fixed windows, as Postfix's anvil and Haraka's limit
 * plugin count them: a key's window starts at its first event and lasts
 * `windowMs`; the first event after it starts a new one. (So a client can
 * send up to twice the limit across a window boundary, never more.)
 *
 * The table is bounded: the keys come from clients (any IPv6 address), so
 * when it is full, windows that have ended are dropped first, then the
 * oldest windows. Entries are kept in the order their windows started,
 * which makes both cheap.
 */
export interface WindowTableOptions {
  windowMs: number;
  /** At most this many keys (default 100 000, a few MB). */
  maxEntries?: number;
  /** Milliseconds; Date.now by default, a test clock in tests. */
  now?: () => number;
}

export interface Hit {
  /** Events of this key in its current window, this one included. */
  count: number;
  /** The event is within the limit. */
  allowed: boolean;
  /** The first refused event of this window: the one to log. */
  firstRefusal: boolean;
  /** When the window ends (ms, the clock's time), for the log line. */
  windowEnds: number;
}

interface Entry {
  start: number;
  count: number;
  logged: boolean;
}

export const DEFAULT_MAX_ENTRIES = 100_000;

export class WindowTable {
  readonly windowMs: number;
  readonly maxEntries: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry>();

  constructor(options: WindowTableOptions) {
    if (!(options.windowMs > 0)) throw new RangeError('windowMs must be positive');
    this.windowMs = options.windowMs;
    this.maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
    if (!(this.maxEntries >= 1)) throw new RangeError('maxEntries must be at least 1');
    this.#now = options.now ?? Date.now;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Counts one event for `key` and judges it against `limit` events a window. */
  hit(key: string, limit: number): Hit {
    const now = this.#now();
    let entry = this.#entries.get(key);
    if (entry && now - entry.start >= this.windowMs) {
      this.#entries.delete(key);
      entry = undefined;
    }
    if (!entry) {
      this.#makeRoom(now);
      entry = { start: now, count: 0, logged: false };
      this.#entries.set(key, entry);
    }
    entry.count++;
    const allowed = entry.count <= limit;
    const firstRefusal = !allowed && !entry.logged;
    if (firstRefusal) entry.logged = true;
    return { count: entry.count, allowed, firstRefusal, windowEnds: entry.start + this.windowMs };
  }

  /** Drops ended windows from the oldest on; if the table is still full, the oldest window. */
  #makeRoom(now: number): void {
    for (const [key, entry] of this.#entries) {
      if (now - entry.start < this.windowMs) break;
      this.#entries.delete(key);
    }
    while (this.#entries.size >= this.maxEntries) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
  }
}
