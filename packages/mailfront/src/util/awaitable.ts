/**
 * Values that may come now or later, without a turn of the event loop when
 * they come now.
 *
 * Most hooks answer at once (a check of the address, a counter), and a
 * session runs dozens of them per message: awaiting each answer, even an
 * undefined one, cost a promise and a microtask apiece, which was most of
 * the CPU of a message in a long-lived process. So the engine calls a hook,
 * looks at what it returned, and goes asynchronous only when that is a
 * promise. A hook may always return a promise; it is then awaited, and
 * everything after it waits for it, in order, exactly as before.
 */
export type Awaitable<T> = T | PromiseLike<T>;

export function isPromiseLike<T>(value: Awaitable<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function';
}

/** `then` that runs `next` at once when the value is already there. */
export function andThen<T, U>(value: Awaitable<T>, next: (value: T) => Awaitable<U>): Awaitable<U> {
  return isPromiseLike(value) ? Promise.resolve(value).then(next) : next(value);
}

/**
 * Runs `step` and gives what it returns; an exception it throws comes back
 * as a rejected promise, as from an async function, so that a caller never
 * has to catch both ways.
 */
export function attempt<T>(step: () => Awaitable<T>): Awaitable<T> {
  try {
    return step();
  } catch (e) {
    return Promise.reject(e);
  }
}
