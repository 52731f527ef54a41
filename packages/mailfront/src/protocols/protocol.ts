/**
 * A protocol (mailfront's `struct protocol`): its settings, how start-up
 * errors are framed, and the conversation itself. SMTP, QMTP and QMQP
 * implement it.
 */
import type { Readable, Writable } from 'node:stream';
import type { ByteInput, Env, Output, Reply, UcspiContext } from '@mailfront/core';
import type { Engine } from '../engine/engine.js';

export interface ProtocolRun {
  engine: Engine;
  input: ByteInput;
  output: Output;
  /** The raw connection under `input` and `output`, for a switch to TLS. */
  connection?: { stdin: Readable; stdout: Writable };
  /**
   * Listen mode only: aborted when mailfront-tcpsvd winds down. The
   * protocol finishes the command or message in progress, then ends at its
   * next wait for the client.
   */
  windDown?: AbortSignal | undefined;
}

export interface Protocol<Config> {
  /** "SMTP", "QMTP" or "QMQP": the session's initial protocol name. */
  readonly name: string;
  /** Reads the protocol's settings; throws ConfigError on a bad value. */
  configure(env: Env, ucspi: UcspiContext): Config;
  /** A reply in the protocol's framing, sent in place of the greeting when start-up fails. */
  frame(reply: Reply): Buffer;
  /** The conversation; resolves with the exit status. */
  run(run: ProtocolRun, config: Config): Promise<number>;
}
