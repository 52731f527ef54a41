export { clientKeys, IPV4_PREFIX, IPV6_PREFIX } from './client-keys.js';
export type { ClientKeys } from './client-keys.js';
export { LIMIT_VARIABLES, readRateLimits, WINDOW_MS } from './limits.js';
export type { LimitKind, RateLimits } from './limits.js';
export { RateLimiter, tooManyConnections, tooManyNetConnections, tooManyRecipients, tooMuchMail } from './rate-limiter.js';
export type { RateLimiterOptions, Verdict } from './rate-limiter.js';
export { DEFAULT_MAX_ENTRIES, WindowTable } from './window-table.js';
export type { Hit, WindowTableOptions } from './window-table.js';
