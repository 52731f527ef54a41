/**
 * The SMTP protocol's settings, read once from the process environment at
 * start-up. A bad value is a ConfigError naming the variable, reported in
 * place of the greeting.
 */
import { envBoolean, envChoice, envDuration, envInteger, envIsSet, tlsSettingsFromEnv, type Env, type TlsSettings, type UcspiContext } from '@mailfront/core';
import { binaryString } from '../../util/binary-string.js';

/**
 * What a bare LF or bare CR in DATA means (SMTP_BARE_NEWLINE):
 *   reject-cr  (default) a bare LF ends a line, as Postfix normalises; a
 *              bare CR refuses the message (5.6.0), as sendmail 8.18 does
 *   normalize  both kept as mailfront 2.12 reads them (bare LF ends a line,
 *              bare CR is a byte): an exemption for one old client
 *   reject     either refuses the message (5.5.2)
 */
export type BareNewlinePolicy = 'reject-cr' | 'normalize' | 'reject';
export const BARE_NEWLINE_POLICIES = ['reject-cr', 'normalize', 'reject'] as const;

export interface SmtpConfig {
  /** Name in HELO/EHLO replies and the default greeting: ${PROTO}LOCALHOST or "unknown". */
  domain: string;
  /** The text after "220 " (without " ESMTP"). */
  greeting: string;
  /** Idle time allowed for each read, in ms. */
  idleTimeoutMs: number;
  /** Length of the whole session, in ms. */
  sessionTimeoutMs: number;
  /** Consecutive unknown commands allowed; 0 = no limit. */
  maxNotImplemented: number;
  bareNewline: BareNewlinePolicy;
  /** Longest command line, in bytes, without its CR LF. */
  maxLineLength: number;
  /** SMTP_CHUNKING: CHUNKING offered and BDAT understood (RFC 3030). */
  chunking: boolean;
  /** SMTP_MAX_CHUNK: the largest BDAT chunk read, in bytes; a larger one ends the session. */
  maxChunk: number;
  /** SMTP_SMTPUTF8: SMTPUTF8 offered, UTF-8 addresses accepted with it (RFC 6531). */
  smtputf8: boolean;
  /** TLS_CERTFILE and friends; undefined when TLS is off. */
  tls: TlsSettings | undefined;
  /** TLS_IMMEDIATE: TLS from the first byte (SMTPS, port 465), no STARTTLS. */
  tlsImmediate: boolean;
}

const DEFAULT_TIMEOUT_MS = 1_200_000;
/** mailfront documents 86400 s but never applies it (reference §1.9); we do. */
const DEFAULT_SESSION_TIMEOUT_MS = 86_400_000;
/** RFC 5321 allows 512 for a command line; extensions (AUTH, many ESMTP params) need more. */
export const DEFAULT_MAX_LINE = 4096;
/**
 * Large enough for any real message sent as one chunk (as some MTAs do),
 * small enough that a client cannot keep a session reading for ever on one
 * BDAT line.
 */
export const DEFAULT_MAX_CHUNK = 256 * 1024 * 1024;

export function smtpConfig(env: Env, ucspi: UcspiContext): SmtpConfig {
  const domain = binaryString(ucspi.localHost ?? 'unknown');
  const greeting = env.SMTPGREETING !== undefined ? binaryString(env.SMTPGREETING) : `${domain} mailfront`;
  return {
    domain,
    greeting,
    // As in mailfront, TIMEOUT=0 means "the default", not "no timeout".
    idleTimeoutMs: envDuration(env, 'TIMEOUT', DEFAULT_TIMEOUT_MS) || DEFAULT_TIMEOUT_MS,
    sessionTimeoutMs: envDuration(env, 'SESSION_TIMEOUT', DEFAULT_SESSION_TIMEOUT_MS) || DEFAULT_SESSION_TIMEOUT_MS,
    maxNotImplemented: envInteger(env, 'MAXNOTIMPL', 0),
    bareNewline: envChoice(env, 'SMTP_BARE_NEWLINE', BARE_NEWLINE_POLICIES, 'reject-cr'),
    maxLineLength: envInteger(env, 'SMTP_MAX_LINE', DEFAULT_MAX_LINE, { min: 512, max: 1_048_576 }),
    chunking: envBoolean(env, 'SMTP_CHUNKING', true),
    maxChunk: envInteger(env, 'SMTP_MAX_CHUNK', DEFAULT_MAX_CHUNK, { min: 65_536, max: 2 ** 40 }),
    smtputf8: envBoolean(env, 'SMTP_SMTPUTF8', true),
    tls: tlsSettingsFromEnv(env),
    // Set (to anything but 0) means on, as the variable is used in mailfront.
    tlsImmediate: envIsSet(env, 'TLS_IMMEDIATE') && env.TLS_IMMEDIATE !== '0',
  };
}
