/**
 * Waiting for something another process does (a socket appears, a log line
 * is written). The machine running the tests may be loaded, so the bound is
 * generous: it only turns a hang into a clear failure, it is never what a
 * test measures.
 */
export const WAIT_LIMIT_MS = 60_000;

export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, limitMs = WAIT_LIMIT_MS): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`waited ${limitMs / 1000} s for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
