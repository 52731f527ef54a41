export { classifyAddresses, isListErrorCode, isLoopbackCode, printableText } from './answers.js';
export type { AddressVerdict } from './answers.js';
export { checkAllowList, checkBlockList, combineListing } from './check.js';
export type { BlockListOptions, DnsblResult } from './check.js';
export { DnsblNameError, dnsblQueryName, normaliseZone, reversedAddress, unmapAddress } from './names.js';
export { caresResolver, DEFAULT_TIMEOUT_MS, DnsblResolver, parseDnsServers } from './resolver.js';
export type { DnsblResolverOptions, LookupOutcome, ResolverLike } from './resolver.js';
