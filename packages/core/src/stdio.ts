/**
 * The process's own stdin and stdout, used lazily and known to be used.
 *
 * Node makes a descriptor non-blocking when process.stdin or process.stdout
 * is first touched (a socket or a pipe under tcpserver), and that flag lives
 * in the file description that a program we exec inherits: a C program
 * reading a non-blocking stdin fails with EAGAIN. So the programs reach
 * them only through here, which notes the use, and before an exec the used
 * ones are put back to blocking. A program that never touched them (rblsmtpd
 * handing a clean client on) changed nothing and restores nothing. stderr
 * is written by LogStream with fs.write and is never made non-blocking.
 */
import { spawnSync } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';

let stdinUsed = false;
let stdoutUsed = false;

export function processStdin(): Readable {
  stdinUsed = true;
  return process.stdin;
}

export function processStdout(): Writable {
  if (!stdoutUsed) {
    stdoutUsed = true;
    // A peer that went away must not crash us with EPIPE.
    process.stdout.on('error', () => {});
  }
  return process.stdout;
}

/** Whether stdout was used, so there may be bytes to wait for before exit. */
export function stdoutWasUsed(): boolean {
  return stdoutUsed;
}

type BlockingHandle = { setBlocking?: (blocking: boolean) => number };

/**
 * Puts the used descriptors back to blocking: libuv's setBlocking on the
 * stream's handle (one fcntl). Where a handle has no such method, one
 * trivial child with inherited stdio does it (libuv clears the flag on a
 * child's fds 0-2, and the description is shared).
 */
export function restoreBlockingStdio(): void {
  const used = [stdinUsed && process.stdin, stdoutUsed && process.stdout].filter((s): s is NonNullable<typeof s> => s !== false);
  let done = true;
  for (const stream of used) {
    const handle = (stream as unknown as { _handle?: BlockingHandle | null })._handle;
    if (handle === undefined || handle === null) continue; // a file: never non-blocking
    if (typeof handle.setBlocking === 'function') handle.setBlocking(true);
    else done = false;
  }
  if (!done) spawnSync('/bin/sh', ['-c', ':'], { stdio: 'inherit' });
}
