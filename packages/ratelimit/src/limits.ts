/**
 * The limits, from the session's environment, so that a rules-cdb line
 * (`+RATELIMIT_CONNECTIONS=`) can change them for one client or network.
 * Unset, empty or 0: no limit. Anything else must be a whole number.
 */
import { ConfigError, type Env } from '@mailfront/core';

export type LimitKind = 'connections' | 'netConnections' | 'messages' | 'recipients';

export type RateLimits = Partial<Record<LimitKind, number>>;

export const LIMIT_VARIABLES: Readonly<Record<LimitKind, string>> = {
  connections: 'RATELIMIT_CONNECTIONS',
  netConnections: 'RATELIMIT_NET_CONNECTIONS',
  messages: 'RATELIMIT_MESSAGES',
  recipients: 'RATELIMIT_RECIPIENTS',
};

/** The window of each limit: connections a minute, messages and recipients an hour. */
export const WINDOW_MS: Readonly<Record<LimitKind, number>> = {
  connections: 60_000,
  netConnections: 60_000,
  messages: 3_600_000,
  recipients: 3_600_000,
};

export function readRateLimits(env: Env): RateLimits {
  const limits: RateLimits = {};
  for (const [kind, name] of Object.entries(LIMIT_VARIABLES) as Array<[LimitKind, string]>) {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') continue;
    if (!/^[0-9]{1,9}$/.test(raw.trim())) throw new ConfigError(name, raw, 'a whole number (0 or empty: no limit)');
    const n = Number(raw.trim());
    if (n > 0) limits[kind] = n;
  }
  return limits;
}
