/**
 * One log line per transaction, for the administrator's grep:
 *
 *   summary client=198.51.100.7 helo=client.example from=<a@example.com> nrcpt=2 size=1234 status=queued
 *
 * written once the transaction is over: when the backend has answered the
 * message (status=queued, or its refusal's code), or when the transaction
 * ends without a message answer (the protocol resets it: RSET, a new MAIL,
 * HELO, QUIT, the end of the connection, a QMTP/QMQP package that is
 * dropped). Then status is the code of the last refusal when no recipient
 * was accepted (a refused sender, every recipient refused), else `dropped`
 * when the connection ended in the middle of the message, and `abandoned`
 * when the client gave up before sending one.
 *
 * The engine feeds it from its hooks, so every protocol gets the same line.
 * Values never contain a space: whitespace, backslash and control bytes in
 * what the client sent are written as \xHH.
 */
import { isErrorResponse, type HookResult } from './response.js';
import type { Session } from './session.js';

/** Outcome words besides a reply code. */
export const QUEUED = 'queued';
export const DROPPED = 'dropped';
export const ABANDONED = 'abandoned';

interface Transaction {
  sender: string | undefined;
  /** Who had authenticated when the sender was given (SMTP AUTH). */
  user: string | undefined;
  accepted: number;
  refused: number;
  lastRefusal: number | undefined;
  size: number;
  /** The message is being received (data start accepted, no answer yet). */
  inMessage: boolean;
}

export function logValue(text: string): string {
  return text.replace(/[\s\\\x00-\x1f\x7f]/g, (c) => '\\x' + c.charCodeAt(0).toString(16).padStart(2, '0'));
}

export class TransactionSummary {
  readonly #session: Session;
  #helo: string | undefined;
  #open: Transaction | undefined;

  constructor(session: Session) {
    this.#session = session;
  }

  /** The HELO/EHLO name, kept here: a successful AUTH forgets the session's copy. */
  helo(hostname: string): void {
    this.#helo = hostname;
  }

  sender(address: string, result: HookResult): void {
    const t = this.#transaction();
    t.sender = address;
    t.user = this.#session.auth?.user;
    if (isErrorResponse(result)) t.lastRefusal = result.code;
  }

  recipient(result: HookResult): void {
    const t = this.#transaction();
    if (isErrorResponse(result)) {
      t.refused++;
      t.lastRefusal = result.code;
    } else t.accepted++;
  }

  dataStart(result: HookResult): void {
    const t = this.#transaction();
    if (isErrorResponse(result)) t.lastRefusal = result.code;
    else t.inMessage = true;
  }

  bytes(count: number): void {
    if (this.#open) this.#open.size += count;
  }

  /** The message's answer: the backend's, or the error that stopped the message. */
  messageEnd(result: HookResult): void {
    if (!this.#open) return;
    this.#write(this.#open, isErrorResponse(result) ? String(result.code) : QUEUED);
  }

  /** The protocol ends the transaction (or the session) without a message answer. */
  end(): void {
    const t = this.#open;
    if (!t) return;
    let status: string;
    if (t.lastRefusal !== undefined && t.accepted === 0) status = String(t.lastRefusal);
    else status = t.inMessage ? DROPPED : ABANDONED;
    this.#write(t, status);
  }

  #transaction(): Transaction {
    this.#open ??= { sender: undefined, user: undefined, accepted: 0, refused: 0, lastRefusal: undefined, size: 0, inMessage: false };
    return this.#open;
  }

  #write(t: Transaction, status: string): void {
    this.#open = undefined;
    const s = this.#session;
    const fields = [
      `client=${logValue(s.ucspi.remoteIp ?? 'unknown')}`,
      `helo=${logValue(this.#helo ?? '')}`,
      ...(t.user !== undefined ? [`auth=${logValue(t.user)}`] : []),
      `from=<${logValue(t.sender ?? '')}>`,
      `nrcpt=${t.accepted}`,
      ...(t.refused > 0 ? [`refused=${t.refused}`] : []),
      `size=${t.size}`,
      `status=${status}`,
    ];
    s.log.info(`summary ${fields.join(' ')}`);
  }
}
