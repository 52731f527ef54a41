/**
 * Per-process caches that can be told to look at their files again at once.
 *
 * A long-lived process (mailfront-tcpsvd's workers) keeps parsed control
 * files, cdb readers and the like between sessions and revalidates them at
 * most once a second. On SIGHUP the listener calls recheckCaches(): every
 * cache that registered with onRecheck drops what it holds, so the next
 * session reads the files afresh. In exec mode nothing calls it.
 */

const rechecks = new Set<() => void>();

/** Registers a cache's "forget what you hold"; returns the way to unregister it. */
export function onRecheck(forget: () => void): () => void {
  rechecks.add(forget);
  return () => rechecks.delete(forget);
}

/** Makes every registered cache look at its files again. */
export function recheckCaches(): void {
  for (const forget of rechecks) forget();
}
