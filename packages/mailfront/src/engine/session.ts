/**
 * The state of one client connection, shared by the protocol, the plugins
 * and the backend: mailfront's session (named strings and numbers, the
 * session environment), held as a value so that several sessions can live
 * in one process.
 */
import { ConfigError, type Env, type Logger, type RateEvent, type Reply, type UcspiContext } from '@mailfront/core';
import type { Awaitable } from '../util/awaitable.js';
import { binaryString, textString } from '../util/binary-string.js';

export interface AuthInfo {
  user: string;
  uid?: number;
  gid?: number;
  realName?: string;
  domain?: string;
  mailbox?: string;
}

export interface SessionOptions {
  env: Env;
  ucspi: UcspiContext;
  log: Logger;
  /**
   * The session runs in a long-lived process shared with other sessions
   * (mailfront-tcpsvd's listen mode), where, say, forking per message is
   * dear: the qmail backend then uses its helper shells.
   */
  longLived?: boolean;
  /** Listen mode: adds to the listener's per-session counters (core's countFor). */
  count?: (counter: string, amount: number) => void;
  /** Listen mode: a duration for the listener's timing histograms (core's observeFor). */
  observe?: (name: string, seconds: number) => void;
  /** Listen mode: the listener's rate limits (core's limitFor); a promise only when the listener must be asked. */
  limit?: (event: RateEvent) => Awaitable<Reply | undefined>;
}

const DECIMAL = /^[0-9]{1,15}$/;

export class Session {
  /**
   * The process environment as this session sees it, as binary strings
   * (like every protocol string here). AUTH adds USER, UID, HOME and the
   * rest to it (as mailfront adds them to the real process environment), so
   * qmail-queue inherits them.
   */
  readonly processEnv: Record<string, string | undefined>;
  readonly ucspi: UcspiContext;
  readonly log: Logger;
  /** See SessionOptions.longLived. */
  readonly longLived: boolean;
  /** "SMTP", "ESMTP" once EHLO was seen, "QMTP" or "QMQP"; add-received prints it. */
  protocol = 'SMTP';
  /** The HELO/EHLO argument; deleted by a successful AUTH. */
  heloDomain: string | undefined;
  auth: AuthInfo | undefined;
  tls = false;
  /**
   * The current transaction's addresses may be UTF-8: SMTP's MAIL carried
   * SMTPUTF8 (RFC 6531), or a QMTP/QMQP envelope holds a UTF-8 address.
   */
  utf8 = false;
  /** mailfront's named numbers: maxdatabytes, maxrcpts, maxhops, … */
  readonly numbers = new Map<string, number>();
  /** Entries added by mailrules (and other plugins); appended, so the first wins on lookup. */
  #entries: Array<[string, string]> = [];
  readonly #count: SessionOptions['count'];
  readonly #observe: SessionOptions['observe'];
  readonly #limit: SessionOptions['limit'];

  constructor(options: SessionOptions) {
    this.processEnv = {};
    for (const [key, value] of Object.entries(options.env)) {
      if (value !== undefined) this.processEnv[key] = binaryString(value);
    }
    this.ucspi = options.ucspi;
    this.log = options.log;
    this.longLived = options.longLived ?? false;
    this.#count = options.count;
    this.#observe = options.observe;
    this.#limit = options.limit;
  }

  /**
   * Adds to one of the session's counters, which mailfront-tcpsvd reports
   * with the session's end (for metrics); nothing in exec mode. The names
   * in use: messages_accepted, messages_refused (messages_tempfail: those
   * of them refused with 4xx), message_bytes, recipients_accepted,
   * recipients_refused, recipients_rejected:PLUGIN (by the module that
   * refused, `none` when no plugin accepted), dnsbl_hits:ZONE, bytes_in,
   * bytes_out.
   */
  count(counter: string, amount = 1): void {
    this.#count?.(counter, amount);
  }

  /**
   * Records a duration in seconds for mailfront-tcpsvd's histograms;
   * nothing in exec mode. In use: cvm_lookup_seconds, backend_seconds.
   */
  observe(name: string, seconds: number): void {
    this.#observe?.(name, seconds);
  }

  /**
   * mailfront-tcpsvd's rate limit for one more message or recipient: a
   * reply to refuse with, or undefined; through a promise only when the
   * listener has to be asked (a limit is set).
   */
  limit(event: RateEvent): Awaitable<Reply | undefined> {
    return this.#limit?.(event);
  }

  get authenticated(): boolean {
    return this.auth !== undefined;
  }

  /** Session entries first (the first added wins), then the process environment. */
  getenv(name: string): string | undefined {
    for (const [key, value] of this.#entries) if (key === name) return value;
    return this.processEnv[name];
  }

  /** Whether the variable is set in the session or the process (even empty). */
  isSet(name: string): boolean {
    return this.getenv(name) !== undefined;
  }

  /**
   * The smallest non-zero value among the process variable and every
   * session entry of that name, 0 if none: a rule can lower a limit such as
   * DATABYTES for one client but never raise it.
   */
  getenvNumber(name: string): number {
    let smallest = 0;
    const consider = (value: string | undefined) => {
      if (value === undefined) return;
      const trimmed = value.trim();
      if (!DECIMAL.test(trimmed)) throw new ConfigError(name, value, 'a whole number');
      const n = Number(trimmed);
      if (n > 0 && (smallest === 0 || n < smallest)) smallest = n;
    };
    consider(this.processEnv[name]);
    for (const [key, value] of this.#entries) if (key === name) consider(value);
    return smallest;
  }

  /** Appends a session entry (mailrules' env field). */
  putenv(name: string, value: string): void {
    this.#entries.push([name, value]);
  }

  /** Empties the session environment (mailrules' reset). */
  clearEnv(): void {
    this.#entries = [];
  }

  /** The process environment as text again (UTF-8), for libraries and programs outside the protocol. */
  textEnv(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [key, value] of Object.entries(this.processEnv)) if (value !== undefined) out[key] = textString(value);
    return out;
  }

  /** The environment for a program we start: process env, then session entries in order (the last wins). */
  exportEnv(): Record<string, string> {
    const out = this.textEnv();
    for (const [key, value] of this.#entries) out[key] = textString(value);
    return out;
  }
}
