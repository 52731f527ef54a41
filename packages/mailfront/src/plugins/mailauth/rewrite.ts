/**
 * The message as it goes to the queue: our header fields on top, then the
 * message from the temporary file without any Authentication-Results field
 * that claims our authserv-id (RFC 8601 §5: someone else's results under
 * our name are a forgery). Only the header section is held in memory; the
 * body is copied in chunks, asynchronously, so a large message does not
 * stall other sessions of the same process.
 */
import { read, write } from 'node:fs';
import { promisify } from 'node:util';
import type { MessageFile } from '../../engine/message-file.js';
import { claimedAuthservId, sameAuthservId } from './auth-results.js';
import { fieldName, fieldValue, HeaderCollector, splitFields } from './header-section.js';

const readAt = promisify(read);
const writeAll = promisify(write);
const CHUNK = 64 * 1024;

export interface Rewritten {
  /** Forged Authentication-Results fields removed. */
  removed: number;
  /** The header section was too large to be filtered, and was copied as it was. */
  unfiltered: boolean;
}

async function append(target: MessageFile, bytes: Buffer): Promise<void> {
  for (let off = 0; off < bytes.length; ) off += (await writeAll(target.writeFd, bytes, off, bytes.length - off)).bytesWritten;
}

/** Whether a field is an Authentication-Results field in our name. */
function isForged(field: Buffer, authservId: string): boolean {
  if (fieldName(field) !== 'authentication-results') return false;
  const claimed = claimedAuthservId(fieldValue(field));
  return claimed !== undefined && sameAuthservId(claimed, authservId);
}

/** The header section without the forged fields; the empty line that ends it stays. */
function filtered(header: Buffer, authservId: string): { bytes: Buffer; removed: number } {
  const fields = splitFields(header);
  const kept = fields.filter((f) => !isForged(f, authservId));
  if (kept.length === fields.length) return { bytes: header, removed: 0 };
  const end = fields.reduce((n, f) => n + f.length, 0);
  return { bytes: Buffer.concat([...kept, header.subarray(end)]), removed: fields.length - kept.length };
}

export async function rewriteMessage(
  source: MessageFile,
  target: MessageFile,
  prepend: Buffer,
  authservId: string,
  headerLimit: number,
): Promise<Rewritten> {
  await append(target, prepend);
  const collector = new HeaderCollector(headerLimit);
  const buffer = Buffer.allocUnsafe(CHUNK);
  let inHeader = true;
  let removed = 0;
  let unfiltered = false;
  for (let position = 0; ; ) {
    const { bytesRead } = await readAt(source.readFd, buffer, 0, CHUNK, position);
    const chunk = buffer.subarray(0, bytesRead);
    position += bytesRead;
    if (!inHeader) {
      if (bytesRead === 0) break;
      await append(target, chunk);
      continue;
    }
    const collected = bytesRead > 0 ? collector.push(Buffer.from(chunk)) : { state: 'complete' as const, header: collector.finish(), rest: chunk };
    if (collected.state === 'partial') continue;
    inHeader = false;
    if (collected.state === 'too-large') {
      // Copied as it is, from the start (only a trusted client's message gets here).
      unfiltered = true;
      position = 0;
      continue;
    }
    const header = filtered(collected.header, authservId);
    removed = header.removed;
    await append(target, header.bytes);
    await append(target, collected.rest);
    if (bytesRead === 0) break;
  }
  return { removed, unfiltered };
}
