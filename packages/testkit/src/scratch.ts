/** Scratch directories that tests create and always remove. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

export interface Teardown {
  teardown(fn: () => void | Promise<void>): void;
}

/**
 * The test file running (tap runs one per process), in a form fit for a file
 * name: a directory left behind then says which test made it.
 */
function testFileName(): string {
  const file = basename(process.argv[1] ?? '').replace(/\.[cm]?[jt]s$/, '');
  return file.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 40);
}

export function scratchDir(t: Teardown, prefix = 'mailfront-test-'): string {
  const name = testFileName();
  const dir = mkdtempSync(join(tmpdir(), name ? `${prefix}${name}-` : prefix));
  // Retries: a child process of the test may still be closing files there.
  t.teardown(() => rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 }));
  return dir;
}
