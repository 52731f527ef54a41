/**
 * A and TXT lookups with a deadline, on node:dns's Resolver (c-ares, its own
 * sockets; dns.lookup would queue on libuv's four threads).
 *
 * Every outcome is a value, never an exception, because a DNSBL client must
 * tell three things apart: an answer, "no such name / no such record" (the
 * address is not listed), and a failure (timeout, SERVFAIL, refused…) that
 * the caller turns into fail-open or fail-closed.
 */
import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';

export type LookupOutcome =
  /** The records found: IPv4 addresses, or TXT texts (one per record, its strings joined). */
  | { kind: 'answer'; values: string[] }
  /** NXDOMAIN (`nxdomain: true`) or a name without records of this type. */
  | { kind: 'none'; nxdomain: boolean }
  /** No usable answer; `code` is the resolver's error code, e.g. ETIMEOUT or ESERVFAIL. */
  | { kind: 'error'; problem: 'timeout' | 'failure'; code: string };

/** The part of node:dns's Resolver that is used, so tests can pass a stand-in. */
export interface ResolverLike {
  resolve4(name: string): Promise<string[]>;
  resolveTxt(name: string): Promise<string[][]>;
  cancel(): void;
}

export interface DnsblResolverOptions {
  /** Name servers as `ip`, `ip:port` or `[ipv6]:port`; default: the system's (resolv.conf). */
  servers?: readonly string[];
  /** Time for one lookup, all tries together, in milliseconds (default 5000). */
  timeoutMs?: number;
  /** Replaces node:dns's Resolver (tests). */
  resolver?: ResolverLike;
}

export const DEFAULT_TIMEOUT_MS = 5000;
/** c-ares tries: one retry survives a lost UDP packet within the same deadline. */
const TRIES = 2;
const NOT_FOUND = new Set(['ENOTFOUND', 'NXDOMAIN']);
const NO_DATA = new Set(['ENODATA']);
const TIMED_OUT = new Set(['ETIMEOUT', 'ETIMEDOUT']);

/**
 * node:dns's Resolver (c-ares, its own sockets) whose tries together take
 * `timeoutMs`, asking `servers` (`ip`, `ip:port`, `[ipv6]:port`; none: the
 * system's, from resolv.conf).
 */
export function caresResolver(timeoutMs: number, servers: readonly string[] = []): Resolver {
  // c-ares doubles the time of each further try: t/3 + 2t/3 = t.
  const resolver = new Resolver({ timeout: Math.max(1, Math.floor(timeoutMs / 3)), tries: TRIES });
  if (servers.length > 0) resolver.setServers([...servers]);
  return resolver;
}

export class DnsblResolver {
  readonly timeoutMs: number;
  readonly #resolver: ResolverLike;

  constructor(options: DnsblResolverOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!(this.timeoutMs > 0)) throw new RangeError('timeoutMs must be positive');
    this.#resolver = options.resolver ?? caresResolver(this.timeoutMs, options.servers);
  }

  /** IPv4 addresses of `name`. */
  lookupA(name: string): Promise<LookupOutcome> {
    return this.#lookup(() => this.#resolver.resolve4(name));
  }

  /** TXT texts of `name`: each record's character-strings joined, one text per record. */
  lookupTxt(name: string): Promise<LookupOutcome> {
    return this.#lookup(async () => (await this.#resolver.resolveTxt(name)).map((chunks) => chunks.join('')));
  }

  /** Abandons every lookup still running; they end as errors with code ECANCELLED. */
  cancel(): void {
    this.#resolver.cancel();
  }

  async #lookup(query: () => Promise<string[]>): Promise<LookupOutcome> {
    let timer: NodeJS.Timeout | undefined;
    // c-ares keeps its own time; this deadline is the promise to the caller.
    const deadline = new Promise<LookupOutcome>((resolve) => {
      timer = setTimeout(() => resolve({ kind: 'error', problem: 'timeout', code: 'ETIMEOUT' }), this.timeoutMs + 50);
    });
    try {
      return await Promise.race([query().then(answerOf, outcomeOfError), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }
}

function answerOf(values: string[]): LookupOutcome {
  return values.length === 0 ? { kind: 'none', nxdomain: false } : { kind: 'answer', values };
}

function outcomeOfError(e: unknown): LookupOutcome {
  const code = (e as NodeJS.ErrnoException | undefined)?.code ?? 'EUNKNOWN';
  if (NOT_FOUND.has(code)) return { kind: 'none', nxdomain: true };
  if (NO_DATA.has(code)) return { kind: 'none', nxdomain: false };
  return { kind: 'error', problem: TIMED_OUT.has(code) ? 'timeout' : 'failure', code };
}

/**
 * Name servers from a DNSCACHEIP-style value, as djbdns clients read it: a
 * list of addresses separated by blanks, commas, or (djbdns's own form) dots
 * between dotted quads, e.g. `127.0.0.1` or `10.0.0.1.10.0.0.2`. Beyond
 * djbdns, an item may carry a port (`127.0.0.1:5353`, `[::1]:53`) or be an
 * IPv6 address. Throws RangeError naming the first item that is none of these.
 */
export function parseDnsServers(value: string): string[] {
  const servers: string[] = [];
  for (const item of value.split(/[\s,]+/).filter(Boolean)) {
    const quads = /^\d+(\.\d+){3}(\.\d+(\.\d+){3})+$/.test(item) ? item.match(/\d+\.\d+\.\d+\.\d+/g)! : [item];
    for (const server of quads) {
      if (!isServer(server)) throw new RangeError(`not a name server address: "${server}"`);
      servers.push(server);
    }
  }
  return servers;
}

function isServer(text: string): boolean {
  if (isIP(text)) return true;
  const withPort = /^(?:\[([^\]]+)\]|(\d+\.\d+\.\d+\.\d+)):(\d{1,5})$/.exec(text);
  if (!withPort) return false;
  const host = withPort[1] ?? withPort[2]!;
  const port = Number(withPort[3]);
  return isIP(host) !== 0 && port > 0 && port < 65536;
}
