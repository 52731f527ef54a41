/**
 * Node built-ins that cost real start-up time, loaded on first use only.
 *
 * A program started per connection pays for every module it loads before
 * the greeting: node:tls alone adds about 13 ms of CPU to Node's own 20 ms,
 * node:crypto about 6 ms. Most sessions never start TLS or compute an HMAC,
 * so those modules are required when first needed, not imported at the top.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

let tls: typeof import('node:tls') | undefined;
let crypto: typeof import('node:crypto') | undefined;

// Kept once loaded: require() itself costs microseconds a call (a lookup's
// secret check calls lazyCrypto every time).
export const lazyTls = (): typeof import('node:tls') => (tls ??= require('node:tls') as typeof import('node:tls'));
export const lazyCrypto = (): typeof import('node:crypto') => (crypto ??= require('node:crypto') as typeof import('node:crypto'));
