/**
 * QMQP's settings, read once from the process environment at start-up. The
 * timeouts are QMTP's (TIMEOUT, SESSION_TIMEOUT, default one hour).
 */
import { envInteger, type Env } from '@mailfront/core';
import { sessionTimeouts, type SessionTimeouts } from '../qmtp/config.js';

export interface QmqpConfig extends SessionTimeouts {
  /** Longest package (the wrapper netstring) accepted, in bytes; longer is a die. */
  maxPackage: number;
}

/** 1 GiB of message plus 1 MiB of envelope. */
export const DEFAULT_MAX_PACKAGE = 1_074_790_400;
const MAX_LENGTH = 999_999_999_999_999;

export function qmqpConfig(env: Env): QmqpConfig {
  return {
    ...sessionTimeouts(env),
    maxPackage: envInteger(env, 'QMQP_MAX_PACKAGE', DEFAULT_MAX_PACKAGE, { min: 1, max: MAX_LENGTH }),
  };
}
