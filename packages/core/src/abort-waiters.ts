/**
 * Waits that an AbortSignal ends, with one listener per signal.
 *
 * In listen mode every session of a worker waits for its client with the
 * worker's wind-down signal in view. Adding and removing an EventTarget
 * listener around every command a client sends cost more than the rest of
 * reading it, so each signal gets one 'abort' listener, the first time it
 * is waited on, and the waits come and go in a set: a wait that ends
 * leaves it, so nothing of a finished session stays here.
 */
const waitersBySignal = new WeakMap<AbortSignal, Set<() => void>>();

/** Calls `wake` once when `signal` aborts (at once if it has), unless the returned function is called first. */
export function onAbort(signal: AbortSignal, wake: () => void): () => void {
  if (signal.aborted) {
    wake();
    return () => {};
  }
  let waiters = waitersBySignal.get(signal);
  if (waiters === undefined) {
    const set = new Set<() => void>();
    waiters = set;
    waitersBySignal.set(signal, set);
    signal.addEventListener(
      'abort',
      () => {
        const woken = [...set];
        set.clear();
        for (const w of woken) w();
      },
      { once: true },
    );
  }
  const entry = () => wake();
  waiters.add(entry);
  return () => void waiters.delete(entry);
}
