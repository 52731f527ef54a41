export { parseProxyHeader, V1_MAX_LENGTH, V2_DEFAULT_MAX_LENGTH } from './header.js';
export type { ParseOptions } from './header.js';
export type { Endpoint, ProxyHeader, ProxyParse } from './types.js';
export { ProxyHeaderError, readProxyHeader, readProxyHeaderFromDescriptor } from './read.js';
export type { ProxyProblem, ReadOptions } from './read.js';
export { TrustedProxies } from './trusted.js';
export { proxyUcspiEnv } from './ucspi-env.js';
export { crc32c } from './crc32c.js';
export { unmapped } from './address.js';
