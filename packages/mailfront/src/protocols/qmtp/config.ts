/**
 * QMTP's settings, read once from the process environment at start-up. A
 * bad value is a ConfigError naming the variable, answered in place of the
 * first reply. The timeouts are shared with QMQP.
 */
import { envChoice, envDuration, envInteger, type Env } from '@mailfront/core';

/** `recipient`: one answer per recipient, as the QMTP protocol says; `package`: mailfront 2.12's one per package. */
export type QmtpReplies = 'recipient' | 'package';

export interface SessionTimeouts {
  /** Idle time allowed for each read, in ms (TIMEOUT). */
  idleTimeoutMs: number;
  /** Length of the whole session, in ms (SESSION_TIMEOUT). */
  sessionTimeoutMs: number;
}

export interface QmtpConfig extends SessionTimeouts {
  /** Longest message netstring accepted, in bytes; longer is a die. */
  maxMessage: number;
  /** Longest sender netstring and recipient list, in bytes; longer is a die. */
  maxEnvelope: number;
  replies: QmtpReplies;
}

/** mailfront's idle timeout, 1200 s. */
export const DEFAULT_TIMEOUT_MS = 1_200_000;
/** mailfront's hard QMTP/QMQP alarm, and the protocol's "sessions of at most one hour". */
export const DEFAULT_SESSION_TIMEOUT_MS = 3_600_000;
/** 1 GiB: far above any mail system's message limit (DATABYTES is the policy knob). */
export const DEFAULT_MAX_MESSAGE = 1_073_741_824;
/** 1 MiB of recipient list: some 30,000 ordinary addresses in one package. */
export const DEFAULT_MAX_ENVELOPE = 1_048_576;
/** Below this a single long address would not fit. */
const MIN_ENVELOPE = 1024;
/** Lengths of up to 15 digits are read. */
const MAX_LENGTH = 999_999_999_999_999;

export function sessionTimeouts(env: Env): SessionTimeouts {
  return {
    // As in mailfront, 0 means "the default", not "no timeout".
    idleTimeoutMs: envDuration(env, 'TIMEOUT', DEFAULT_TIMEOUT_MS) || DEFAULT_TIMEOUT_MS,
    sessionTimeoutMs: envDuration(env, 'SESSION_TIMEOUT', DEFAULT_SESSION_TIMEOUT_MS) || DEFAULT_SESSION_TIMEOUT_MS,
  };
}

export function qmtpConfig(env: Env): QmtpConfig {
  return {
    ...sessionTimeouts(env),
    maxMessage: envInteger(env, 'QMTP_MAX_MESSAGE', DEFAULT_MAX_MESSAGE, { min: 1, max: MAX_LENGTH }),
    maxEnvelope: envInteger(env, 'QMTP_MAX_ENVELOPE', DEFAULT_MAX_ENVELOPE, { min: MIN_ENVELOPE, max: MAX_LENGTH }),
    replies: envChoice(env, 'QMTP_REPLIES', ['recipient', 'package'] as const, 'recipient'),
  };
}
