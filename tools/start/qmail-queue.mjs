#!/usr/bin/env node
// A stand-in for qmail-queue, for the example MX on a machine without qmail.
// It speaks qmail-queue's interface (the message on fd 0, then the envelope
// on fd 1: `F<sender>\0T<recipient>\0...\0`, one more NUL at the end) and
// delivers into the Maildir `queue/` of the directory it runs in (the qmail
// backend starts qmail-queue in QMAILHOME, as the real one writes into
// QMAILHOME/queue). Each message becomes one file in queue/new, with the
// envelope in front as headers:
//
//   Return-Path: <sender>
//   X-Envelope-To: <recipient>        (one line per recipient)
//   <the message>
//
// As qmail-queue, it exits 0 only once the file is safely in new/ (written,
// fsynced, linked), and an envelope without its final NUL queues nothing:
// mailfront-smtpd never sends that NUL for a message it refused or lost.
import { closeSync, fsyncSync, linkSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';

// qmail-queue's exit statuses (see docs/backends/qmail.md).
const WRITE_ERROR = 53;
const READ_ERROR = 54;
const ENVELOPE_FORMAT = 91;
const ENVELOPE_MAX = 16 * 1024 * 1024;
const CHUNK = 64 * 1024;

class QueueError extends Error {
  /** `quiet`: the sender's own way of cancelling a message, nothing to log. */
  constructor(status, message, { quiet = false } = {}) {
    super(message);
    this.status = status;
    this.quiet = quiet;
  }
}

/** Reads a file descriptor to its end, one chunk at a time, into `sink`. */
function drain(fd, sink) {
  const buffer = Buffer.alloc(CHUNK);
  for (;;) {
    let n;
    try {
      n = readSync(fd, buffer, 0, CHUNK, null);
    } catch (e) {
      throw new QueueError(READ_ERROR, `cannot read fd ${fd}: ${e.message}`);
    }
    if (n === 0) return;
    sink(buffer.subarray(0, n));
  }
}

/** The envelope's sender and recipients; throws unless it is complete. */
function parseEnvelope(bytes) {
  const fields = [];
  let start = 0;
  for (;;) {
    const nul = bytes.indexOf(0, start);
    // No NUL after the last field: the message was refused or the client
    // went away, and mailfront-smtpd cancels it this way (it logged the
    // reason already). Queue nothing and say nothing, as qmail-queue does.
    if (nul === -1) throw new QueueError(READ_ERROR, 'the envelope ends before its final NUL', { quiet: true });
    const field = bytes.subarray(start, nul).toString('latin1');
    start = nul + 1;
    if (field === '') break;
    fields.push(field);
  }
  const [from, ...to] = fields;
  if (!from?.startsWith('F') || to.length === 0 || !to.every((f) => f.startsWith('T'))) {
    throw new QueueError(ENVELOPE_FORMAT, 'the envelope is not F<sender> T<recipient>...');
  }
  return { sender: from.slice(1), recipients: to.map((f) => f.slice(1)) };
}

/** An address as a header value: control bytes never make header lines of their own. */
function headerSafe(address) {
  return address.replace(/[\x00-\x1f\x7f]/g, '?');
}

function writeAll(fd, bytes) {
  for (let offset = 0; offset < bytes.length; ) offset += writeSync(fd, bytes, offset);
}

function deliver() {
  const now = process.hrtime.bigint();
  const name = `${Math.floor(Date.now() / 1000)}.M${(now / 1000n) % 1000000n}P${process.pid}.${hostname()}`;
  const bodyPath = `queue/tmp/${name}.body`;
  const tmpPath = `queue/tmp/${name}`;
  const cleanup = [];
  try {
    // The message first, to a file of its own: the envelope, which becomes
    // the headers in front of it, only arrives after the message.
    const body = openSync(bodyPath, 'wx+', 0o600);
    cleanup.push(() => unlinkSync(bodyPath));
    try {
      drain(0, (chunk) => writeAll(body, chunk));
      const envelope = [];
      let size = 0;
      drain(1, (chunk) => {
        size += chunk.length;
        if (size > ENVELOPE_MAX) throw new QueueError(ENVELOPE_FORMAT, 'the envelope is too long');
        envelope.push(Buffer.from(chunk));
      });
      const { sender, recipients } = parseEnvelope(Buffer.concat(envelope));
      const head = `Return-Path: <${headerSafe(sender)}>\n${recipients.map((r) => `X-Envelope-To: <${headerSafe(r)}>\n`).join('')}`;
      const out = openSync(tmpPath, 'wx', 0o600);
      cleanup.push(() => unlinkSync(tmpPath));
      try {
        writeAll(out, Buffer.from(head, 'latin1'));
        const buffer = Buffer.alloc(CHUNK);
        for (let position = 0; ; ) {
          const n = readSync(body, buffer, 0, CHUNK, position);
          if (n === 0) break;
          writeAll(out, buffer.subarray(0, n));
          position += n;
        }
        fsyncSync(out);
      } finally {
        closeSync(out);
      }
    } finally {
      closeSync(body);
    }
    // Maildir delivery: a reader of new/ never sees half a message.
    linkSync(tmpPath, `queue/new/${name}`);
    const dir = openSync('queue/new', 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
    return 0;
  } catch (e) {
    if (!e.quiet) process.stderr.write(`qmail-queue: ${e.message}\n`);
    return e instanceof QueueError ? e.status : WRITE_ERROR;
  } finally {
    for (const remove of cleanup) {
      try {
        remove();
      } catch {
        // already gone
      }
    }
  }
}

process.exitCode = deliver();
