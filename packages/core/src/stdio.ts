/**
 * The process's own stdin and stdout, used lazily and known to be used.
 *
 * Node makes a descriptor non-blocking when process.stdin or process.stdout
 * is first touched (a socket or a pipe under tcpserver), and that flag lives
 * in the file description that a program we exec inherits: a C program
 * reading a non-blocking stdin fails with EAGAIN. So the programs reach
 * them only through here (or say so: usingStdioDescriptor), which notes the
 * use, and before an exec the used ones are put back to blocking. A program
 * that never touched them (rblsmtpd handing a clean client on) changed
 * nothing and restores nothing. stderr is written by LogStream with
 * fs.write and is never made non-blocking.
 */
import { spawnSync } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';

/** Streams of this process over fd 0, 1 or 2 that libuv may have made non-blocking. */
const onStdio = new Set<Readable | Writable>();
let stdoutUsed = false;

export function processStdin(): Readable {
  onStdio.add(process.stdin);
  return process.stdin;
}

export function processStdout(): Writable {
  if (!stdoutUsed) {
    stdoutUsed = true;
    onStdio.add(process.stdout);
    // A peer that went away must not crash us with EPIPE.
    process.stdout.on('error', () => {});
  }
  return process.stdout;
}

/** Whether stdout was used, so there may be bytes to wait for before exit. */
export function stdoutWasUsed(): boolean {
  return stdoutUsed;
}

/** Notes a stream a program opened on one of the descriptors itself (DescriptorReader on fd 0). */
export function usingStdioDescriptor(stream: Readable | Writable, fd: number): void {
  if (fd >= 0 && fd <= 2) onStdio.add(stream);
}

type BlockingHandle = { setBlocking?: (blocking: boolean) => number };

/**
 * Puts the used descriptors back to blocking: libuv's setBlocking on the
 * stream's handle (one fcntl). Where a handle has no such method, one
 * trivial child with inherited stdio does it (libuv clears the flag on a
 * child's fds 0-2, and the description is shared).
 */
export function restoreBlockingStdio(): void {
  let done = true;
  for (const stream of onStdio) {
    const handle = (stream as unknown as { _handle?: BlockingHandle | null })._handle;
    if (handle === undefined || handle === null) continue; // a file: never non-blocking
    if (typeof handle.setBlocking === 'function') handle.setBlocking(true);
    else done = false;
  }
  if (!done) spawnSync('/bin/sh', ['-c', ':'], { stdio: 'inherit' });
}
