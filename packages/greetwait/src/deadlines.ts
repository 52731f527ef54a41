/**
 * One timer for every session waiting in greetwait inside mailfront-tcpsvd:
 * a waiting client costs its socket and one entry here (a deadline and a
 * callback), never a timer or a process of its own. Entries are kept in
 * deadline order (a binary heap); the single timer is armed for the
 * earliest one and re-armed as entries come and go.
 *
 * This is the process's one scheduler for greet waits, shared by the
 * sessions the way the listener's socket is; it holds nothing of a session
 * once that session's wait is over or cancelled.
 */
export interface Waiting {
  /** Removes the entry; its callback will not run. */
  cancel(): void;
}

interface Entry {
  at: number;
  run: () => void;
  live: boolean;
}

export class DeadlineQueue {
  #heap: Entry[] = [];
  #timer: NodeJS.Timeout | undefined;
  #armedFor = Infinity;
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** Entries not yet run or cancelled (cancelled ones leave lazily). */
  get size(): number {
    return this.#heap.filter((e) => e.live).length;
  }

  /** Runs `run` once `ms` have passed, unless cancelled first. */
  after(ms: number, run: () => void): Waiting {
    const entry: Entry = { at: this.#now() + ms, run, live: true };
    this.#push(entry);
    this.#arm();
    return {
      cancel: () => {
        entry.live = false;
      },
    };
  }

  #arm(): void {
    while (this.#heap.length > 0 && !this.#heap[0]!.live) this.#pop();
    const next = this.#heap[0];
    if (!next) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#armedFor = Infinity;
      return;
    }
    if (this.#timer !== undefined && next.at >= this.#armedFor) return;
    clearTimeout(this.#timer);
    this.#armedFor = next.at;
    this.#timer = setTimeout(() => this.#fire(), Math.max(0, next.at - this.#now()));
  }

  #fire(): void {
    this.#timer = undefined;
    this.#armedFor = Infinity;
    const now = this.#now();
    while (this.#heap.length > 0 && this.#heap[0]!.at <= now) {
      const entry = this.#pop()!;
      if (entry.live) {
        entry.live = false;
        entry.run();
      }
    }
    this.#arm();
  }

  #push(entry: Entry): void {
    const heap = this.#heap;
    heap.push(entry);
    for (let i = heap.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (heap[parent]!.at <= heap[i]!.at) break;
      [heap[parent], heap[i]] = [heap[i]!, heap[parent]!];
      i = parent;
    }
  }

  #pop(): Entry | undefined {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last) {
      heap[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let smallest = i;
        if (l < heap.length && heap[l]!.at < heap[smallest]!.at) smallest = l;
        if (r < heap.length && heap[r]!.at < heap[smallest]!.at) smallest = r;
        if (smallest === i) break;
        [heap[smallest], heap[i]] = [heap[i]!, heap[smallest]!];
        i = smallest;
      }
    }
    return top;
  }
}
