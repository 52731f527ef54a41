/**
 * Settings from the environment, read once at start (the C originals'
 * names and meanings):
 *
 *   TIMEOUT, AUTH_TIMEOUT               idle time per read or write (s; 0 = default 1200)
 *   SESSION_TIMEOUT, AUTH_SESSION_TIMEOUT  the whole session (s; default 86400)
 *   MAXUSERCMD, MAXAUTHFAIL             limits of the authentication stage (0 = none)
 *   MAX_MESSAGES, MAX_CUR_MESSAGES, MAX_NEW_MESSAGES  how many messages a session sees
 *   TLS_CERTFILE, TLS_KEYFILE, TLS_DH_PARAMS  TLS (STLS), as mailfront-smtpd
 *   TLS_IMMEDIATE                       TLS from the first byte (POP3S, port 995)
 *   AUTH_REQUIRES_TLS                   set (to anything): no USER, PASS or AUTH before TLS
 *
 * The authentication stage prefers the AUTH_ variants, as pop3front-auth
 * does; the mailbox stage reads the plain ones, as pop3front-maildir does.
 * The TLS variables belong to the authentication stage only: the `maildir`
 * mode runs after it, over whatever the connection already is.
 */
import { ConfigError, envDuration, envInteger, tlsSettingsFromEnv, ucspiFromEnv, type Env, type TlsSettings } from '@mailfront/core';

const DEFAULT_IDLE_MS = 1_200_000;
/** mailfront documents 86400 s but never applies it (reference §1.9); we do. */
const DEFAULT_SESSION_MS = 86_400_000;
/** RFC 2449 allows 255 bytes for a command; SASL responses need more. */
export const MAX_LINE = 4096;

export interface Timeouts {
  idleMs: number;
  sessionMs: number;
}

export interface AuthConfig extends Timeouts {
  maxUserCommands: number;
  maxAuthFailures: number;
  /** The DOMAIN credential: ${PROTO}LOCALHOST, or `unknown`. */
  domain: string;
  tls: TlsConfig;
}

export interface MaildirLimits {
  maxMessages: number;
  maxCur: number;
  maxNew: number;
}

export interface TlsConfig {
  /** undefined: TLS off (no TLS_CERTFILE). */
  settings: TlsSettings | undefined;
  /** TLS_IMMEDIATE: the handshake comes before the greeting. */
  immediate: boolean;
  /** AUTH_REQUIRES_TLS: authentication commands only once TLS is up. */
  authRequiresTls: boolean;
}

/** Whether the client expects TLS from its first byte (then a plaintext error reply is noise to it). */
export function wantsImmediateTls(env: Env): boolean {
  // Set to anything but 0, as mailfront-smtpd reads it.
  return env.TLS_IMMEDIATE !== undefined && env.TLS_IMMEDIATE !== '0';
}

/**
 * The TLS settings, checked at start-up: unreadable files, and the two
 * switches without a certificate (no client could then connect, or log in,
 * at all), are a ConfigError rather than a server that quietly fails every
 * session.
 */
export function tlsConfig(env: Env): TlsConfig {
  const settings = tlsSettingsFromEnv(env);
  const immediate = wantsImmediateTls(env);
  // Set, whatever its value, as mailfront's and mailfront-smtpd's cvm-authenticate read it.
  const authRequiresTls = env.AUTH_REQUIRES_TLS !== undefined;
  if (settings === undefined && immediate) throw new ConfigError('TLS_IMMEDIATE', env.TLS_IMMEDIATE!, 'usable without TLS_CERTFILE');
  if (settings === undefined && authRequiresTls) throw new ConfigError('AUTH_REQUIRES_TLS', env.AUTH_REQUIRES_TLS!, 'usable without TLS_CERTFILE');
  return { settings, immediate, authRequiresTls };
}

function timeouts(env: Env, idle: string, session: string): Timeouts {
  return {
    idleMs: envDuration(env, idle, DEFAULT_IDLE_MS) || DEFAULT_IDLE_MS,
    sessionMs: envDuration(env, session, DEFAULT_SESSION_MS) || DEFAULT_SESSION_MS,
  };
}

export function authConfig(env: Env): AuthConfig {
  const idle = env.AUTH_TIMEOUT !== undefined ? 'AUTH_TIMEOUT' : 'TIMEOUT';
  const session = env.AUTH_SESSION_TIMEOUT !== undefined ? 'AUTH_SESSION_TIMEOUT' : 'SESSION_TIMEOUT';
  return {
    ...timeouts(env, idle, session),
    maxUserCommands: envInteger(env, 'MAXUSERCMD', 0),
    maxAuthFailures: envInteger(env, 'MAXAUTHFAIL', 0),
    domain: ucspiFromEnv(env).localHost ?? 'unknown',
    tls: tlsConfig(env),
  };
}

export function maildirTimeouts(env: Env): Timeouts {
  return timeouts(env, 'TIMEOUT', 'SESSION_TIMEOUT');
}

export function maildirLimits(env: Env): MaildirLimits {
  return {
    maxMessages: envInteger(env, 'MAX_MESSAGES', 0),
    maxCur: envInteger(env, 'MAX_CUR_MESSAGES', 0),
    maxNew: envInteger(env, 'MAX_NEW_MESSAGES', 0),
  };
}
