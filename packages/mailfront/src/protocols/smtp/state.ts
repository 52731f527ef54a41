/**
 * What a command handler sees of the conversation, apart from the
 * connection class that runs it: so commands.ts, data.ts and bdat.ts
 * depend on this interface and connection.ts on them, never the reverse.
 */
import type { Readable, Writable } from 'node:stream';
import type { ByteInput, Logger, Output, Reply } from '@mailfront/core';
import type { Engine } from '../../engine/engine.js';
import type { SmtpConfig } from './config.js';
import type { Transaction } from './transaction.js';

/** What a command handler wants next: go on, or end the session with a status. */
export const CONTINUE = 'continue' as const;
export type Next = typeof CONTINUE | { exit: number };

export interface SmtpContext {
  readonly engine: Engine;
  readonly input: ByteInput;
  readonly output: Output;
  readonly config: SmtpConfig;
  /** The raw connection, needed to switch to TLS; absent in some tests. */
  readonly connection: { stdin: Readable; stdout: Writable } | undefined;
  readonly transaction: Transaction;
  readonly log: Logger;
  /** Sends a reply; replies with a code of 400 or more are also logged. */
  reply(reply: Reply): void;
  /** How long the next read may wait: the idle timeout, or less near the session's end. */
  readTimeout(): number;
  /** Moves the session onto TLS; false if the handshake failed. */
  switchToTls(implicit?: boolean): Promise<boolean>;
}
