/**
 * QMTP and QMQP clients for the interop tests, written from the protocol
 * documents (reference ucspi-qmail §4.1–4.3), as qmail-qmtpc and
 * qmail-qmqpc work; no C client is packaged.
 *
 * QMTP: packages back to back on one connection, the client reading the
 * answers while it is still sending (the protocol makes pipelining
 * implicit), one answer per recipient in order. QMQP: one package, one
 * answer, then the server closes.
 */
import { connect, type Socket } from 'node:net';

export interface Outgoing {
  /** The message with LF line ends, as a queue holds it. */
  message: string;
  sender: string;
  recipients: string[];
  /** Send it in QMTP's CRLF encoding (first byte CR, lines end in CR LF). */
  crlf?: boolean;
}

export interface Answer {
  status: 'K' | 'Z' | 'D';
  text: string;
}

const netstring = (data: Buffer) => Buffer.concat([Buffer.from(`${data.length}:`), data, Buffer.from(',')]);
const bytes = (s: string) => Buffer.from(s, 'latin1');

export function encodeQmtp(m: Outgoing): Buffer {
  const body = m.crlf ? '\r' + m.message.replace(/\n/g, '\r\n') : '\n' + m.message;
  const recipients = Buffer.concat(m.recipients.map((r) => netstring(bytes(r))));
  return Buffer.concat([netstring(bytes(body)), netstring(bytes(m.sender)), netstring(recipients)]);
}

export function encodeQmqp(m: Outgoing): Buffer {
  return netstring(Buffer.concat([netstring(bytes(m.message)), netstring(bytes(m.sender)), ...m.recipients.map((r) => netstring(bytes(r)))]));
}

/** Netstrings out of a byte stream, as they complete. */
class NetstringStream {
  #buffer = Buffer.alloc(0);

  push(chunk: Buffer): void {
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
  }

  /** The next whole netstring's contents, if one has arrived; a framing error throws. */
  next(): Buffer | undefined {
    const colon = this.#buffer.indexOf(0x3a);
    if (colon === -1) {
      if (!/^[0-9]*$/.test(this.#buffer.toString('latin1'))) throw new Error('bad answer framing');
      return undefined;
    }
    const digits = this.#buffer.subarray(0, colon).toString('latin1');
    if (!/^[0-9]+$/.test(digits)) throw new Error(`bad answer length ${JSON.stringify(digits)}`);
    const end = colon + 1 + Number(digits);
    if (this.#buffer.length <= end) return undefined;
    if (this.#buffer[end] !== 0x2c) throw new Error('answer without its comma');
    const data = this.#buffer.subarray(colon + 1, end);
    this.#buffer = this.#buffer.subarray(end + 1);
    return data;
  }

  get leftover(): number {
    return this.#buffer.length;
  }
}

function answerOf(data: Buffer): Answer {
  const status = String.fromCharCode(data[0] ?? 0);
  if (status !== 'K' && status !== 'Z' && status !== 'D') throw new Error(`bad answer ${JSON.stringify(data.toString('latin1'))}`);
  return { status, text: data.subarray(1).toString('latin1') };
}

/** Connects, sends, and collects `expected` answers; resolves once the server has closed. */
function converse(port: number, payload: Buffer[], expected: number, timeoutMs: number): Promise<{ answers: Answer[]; leftover: number }> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, '127.0.0.1');
    const stream = new NetstringStream();
    const answers: Answer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer after ${timeoutMs} ms: ${answers.length} of ${expected}`));
    }, timeoutMs);
    socket.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    socket.on('data', (chunk: Buffer) => {
      stream.push(chunk);
      try {
        for (let data; (data = stream.next()) !== undefined; ) answers.push(answerOf(data));
      } catch (e) {
        socket.destroy();
        reject(e);
      }
      // Every answer is in: we are done with this connection (QMTP's client closes).
      if (answers.length === expected) socket.end();
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ answers, leftover: stream.leftover });
    });
    socket.on('connect', () => {
      // Write everything at once, honouring backpressure; answers are read meanwhile.
      const write = (i: number): void => {
        for (; i < payload.length; i++) {
          if (!socket.write(payload[i]!)) {
            socket.once('drain', () => write(i + 1));
            return;
          }
        }
        if (expected === 0) socket.end();
      };
      write(0);
    });
  });
}

/** qmail-qmtpc's part: every message on one connection; the answers, one list per message. */
export async function sendQmtp(port: number, messages: Outgoing[], timeoutMs = 30_000): Promise<Answer[][]> {
  const expected = messages.reduce((n, m) => n + m.recipients.length, 0);
  const { answers, leftover } = await converse(port, messages.map(encodeQmtp), expected, timeoutMs);
  if (leftover !== 0) throw new Error('bytes after the last answer');
  const perMessage: Answer[][] = [];
  let at = 0;
  for (const m of messages) {
    perMessage.push(answers.slice(at, at + m.recipients.length));
    at += m.recipients.length;
  }
  if (at !== answers.length) throw new Error(`expected ${at} answers, got ${answers.length}`);
  return perMessage;
}

/** qmail-qmqpc's part: one message, one answer, and the server closes. */
export async function sendQmqp(port: number, message: Outgoing, timeoutMs = 30_000): Promise<Answer> {
  const { answers, leftover } = await converse(port, [encodeQmqp(message)], 1, timeoutMs);
  if (answers.length !== 1 || leftover !== 0) throw new Error(`expected one answer, got ${answers.length}`);
  return answers[0]!;
}
