/**
 * Stops a socket's handle reading at once, as process.stdin does when it is
 * paused. Reading a little of a session's socket (a PROXY header, a watch
 * for early talk) starts its handle, which would go on taking the client's
 * bytes into our stream buffer; a program of another project spawned onto
 * the socket next must find them in the kernel instead. An in-process
 * program's first read starts the handle again. A stream that is not a
 * socket (a pipe in tests, a PassThrough) is left alone.
 */
import type { Readable } from 'node:stream';

interface ReadingHandle {
  reading?: boolean;
  readStop?: () => number;
}

export function stopReading(stream: Readable): void {
  const handle = (stream as { _handle?: ReadingHandle })._handle;
  if (!handle?.readStop || !handle.reading) return;
  handle.reading = false;
  handle.readStop();
  (stream as unknown as { _readableState: { reading: boolean } })._readableState.reading = false;
}
