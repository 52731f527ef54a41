/**
 * tcpsvd's command line (ipsvd 1.0.0, reference ucspi-qmail §2.1 and
 * modern-mx §1.2), parsed as its getopt does: options come first, may be
 * clustered (`-vv`, `-c40`), and the first word that is not an option is
 * the host; everything after the port is the program and its arguments,
 * untouched (they have options of their own: `rblsmtpd -B -t 300 …`).
 *
 *   mailfront-tcpsvd [-hpEvv] [-c n] [-C n[:msg]] [-b n] [-u user[:group]]
 *                    [-l name] [-i dir | -x cdb] [-t sec] [-w n]
 *                    [--metrics host:port] host port prog…
 *
 * `-w` (workers), `--metrics` and `--proxy-from CIDR[,CIDR…]` (a PROXY
 * protocol header from those front ends, and only from them) are ours. A
 * usage error exits 111, as tcpsvd's does.
 */
import { availableParallelism } from 'node:os';
import { TrustedProxies } from '@mailfront/core';
import { parseListenAddress, type ListenAddress } from '@mailfront/metrics';

/** tcpsvd's usage status (observed 111 for every usage error; ucspi-qmail.md §2.1 says 100). */
export const EXIT_USAGE = 111;

export const USAGE =
  'usage: mailfront-tcpsvd [-hpEvv] [-c n] [-C n[:msg]] [-b n] [-u user[:group]] [-l name] [-i dir|-x cdb] [-t sec] [-w n] [--metrics host:port] [--proxy-from cidr,...] host port prog';

export interface RulesSpec {
  /** -x: a cdb written by iprules-make or ipsvd-cdb; -i: an instructions directory. */
  kind: 'cdb' | 'dir';
  path: string;
}

export interface PerHostLimit {
  limit: number;
  /** Written to a client over the limit before the close, escapes already applied; may be empty. */
  message: Buffer;
}

export interface ListenerOptions {
  /** As typed (for the log); `0` and empty mean every IPv4 address. */
  host: string;
  /** As typed: a number or a service name. */
  port: string;
  /** The chain: the first program and its arguments. */
  program: string[];
  /** -v (1) or -vv (2): info lines on stdout. */
  verbose: number;
  /** -c: sessions at once, across all workers (default 30). */
  concurrency: number;
  /** -C: sessions at once from one address. */
  perHost: PerHostLimit | undefined;
  /** -b: listen() backlog, also the most connections held unanswered while -c is reached. */
  backlog: number;
  /** -u as typed. */
  user: string | undefined;
  /** -l; undefined: look the local address up in DNS for each connection. */
  localName: string | undefined;
  rules: RulesSpec | undefined;
  /** -t: with -i, entries not read for this many seconds are removed (0: never). */
  expireSeconds: number;
  /** -h (or -p): look up the client's host name. */
  lookupRemote: boolean;
  /** -p: and keep it only if it resolves back to the client. */
  paranoid: boolean;
  /** -E: no PROTO and TCP* variables. */
  noEnv: boolean;
  /** -w: worker processes. */
  workers: number;
  /** --metrics HOST:PORT: serve Prometheus metrics there (off by default). */
  metrics: ListenAddress | undefined;
  /** --proxy-from: every connection must come from one of these and start with a PROXY header. */
  proxyFrom: TrustedProxies | undefined;
}

export type ParsedOptions =
  | { kind: 'ok'; options: ListenerOptions }
  | { kind: 'usage'; problem: string | undefined }
  | { kind: 'help' }
  | { kind: 'version' };

const DEFAULT_CONCURRENCY = 30;
const DEFAULT_BACKLOG = 20;
/** Options that take a value. */
const WITH_VALUE = new Set(['c', 'C', 'b', 'u', 'l', 'i', 'x', 't', 'w']);
const FLAGS = new Set(['h', 'p', 'E', 'v', 'V']);
/** Our long options, all with a value, and what the usage error says each needs. */
const LONG_WITH_VALUE = new Map([
  ['metrics', 'HOST:PORT'],
  ['proxy-from', 'a value'],
]);

/**
 * -C's message escapes, as tcpsvd has them: `\\`, `\n` and `\r`; any other
 * backslash pair stays as the two bytes. No line end is added: a runscript
 * writes `\r\n` itself.
 */
export function unescapeMessage(text: string): Buffer {
  const bytes: number[] = [];
  const raw = Buffer.from(text, 'utf8');
  for (let i = 0; i < raw.length; i++) {
    const b = raw[i]!;
    const next = raw[i + 1];
    if (b === 0x5c && next !== undefined) {
      const replaced = next === 0x5c ? 0x5c : next === 0x6e ? 0x0a : next === 0x72 ? 0x0d : undefined;
      if (replaced !== undefined) {
        bytes.push(replaced);
        i++;
        continue;
      }
    }
    bytes.push(b);
  }
  return Buffer.from(bytes);
}

/** `n[:msg]`, as in -C and the `C` instruction; undefined when n is not a number. */
export function parseLimit(text: string): PerHostLimit | undefined {
  const colon = text.indexOf(':');
  const number = colon === -1 ? text : text.slice(0, colon);
  if (!/^[0-9]{1,9}$/.test(number)) return undefined;
  return { limit: Number(number), message: colon === -1 ? Buffer.alloc(0) : unescapeMessage(text.slice(colon + 1)) };
}

function count(value: string, flag: string, min: number): number | string {
  if (!/^[0-9]{1,9}$/.test(value) || Number(value) < min) return `-${flag} needs a whole number${min > 0 ? ` of at least ${min}` : ''}, not "${value}"`;
  return Number(value);
}

/** Splits argv into options and operands the way getopt does; the operands start at the host. */
function getopt(argv: readonly string[]): { given: Array<[string, string]>; rest: string[] } | string {
  const given: Array<[string, string]> = [];
  let i = 0;
  for (; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === '--') {
      i++;
      break;
    }
    if (!word.startsWith('-') || word === '-') break;
    // Our long options, before the host like the others: `--name value` or `--name=value`.
    const eq = word.indexOf('=');
    const name = word.startsWith('--') ? word.slice(2, eq === -1 ? undefined : eq) : '';
    const wants = LONG_WITH_VALUE.get(name);
    if (wants !== undefined) {
      const value = eq === -1 ? argv[++i] : word.slice(eq + 1);
      if (value === undefined) return `option --${name} needs ${wants}`;
      given.push([name, value]);
      continue;
    }
    for (let j = 1; j < word.length; j++) {
      const flag = word[j]!;
      if (WITH_VALUE.has(flag)) {
        const value = j + 1 < word.length ? word.slice(j + 1) : argv[++i];
        if (value === undefined) return `option -${flag} needs a value`;
        given.push([flag, value]);
        break;
      }
      if (!FLAGS.has(flag)) return `unknown option -${flag}`;
      given.push([flag, '']);
    }
  }
  return { given, rest: argv.slice(i) };
}

export function parseOptions(argv: readonly string[], cpus: number = availableParallelism()): ParsedOptions {
  if (argv[0] === '--help') return { kind: 'help' };
  if (argv[0] === '--version') return { kind: 'version' };
  const split = getopt(argv);
  if (typeof split === 'string') return { kind: 'usage', problem: split };
  const options: ListenerOptions = {
    host: '',
    port: '',
    program: [],
    verbose: 0,
    concurrency: DEFAULT_CONCURRENCY,
    perHost: undefined,
    backlog: DEFAULT_BACKLOG,
    user: undefined,
    localName: undefined,
    rules: undefined,
    expireSeconds: 0,
    lookupRemote: false,
    paranoid: false,
    noEnv: false,
    workers: Math.max(1, cpus),
    metrics: undefined,
    proxyFrom: undefined,
  };
  for (const [flag, value] of split.given) {
    let problem: string | undefined;
    const number = (min: number, apply: (n: number) => void) => {
      const n = count(value, flag, min);
      if (typeof n === 'string') problem = n;
      else apply(n);
    };
    switch (flag) {
      case 'V':
        return { kind: 'version' };
      case 'v':
        options.verbose++;
        break;
      case 'h':
        options.lookupRemote = true;
        break;
      case 'p':
        options.lookupRemote = true;
        options.paranoid = true;
        break;
      case 'E':
        options.noEnv = true;
        break;
      case 'c':
        number(1, (n) => (options.concurrency = n));
        break;
      case 'b':
        number(0, (n) => (options.backlog = n));
        break;
      case 't':
        number(0, (n) => (options.expireSeconds = n));
        break;
      case 'w':
        number(1, (n) => (options.workers = n));
        break;
      case 'C':
        options.perHost = parseLimit(value);
        if (!options.perHost) problem = `-C needs n or n:message, not "${value}"`;
        break;
      case 'u':
        options.user = value;
        break;
      case 'proxy-from':
        try {
          options.proxyFrom = new TrustedProxies(value);
          if (options.proxyFrom.size === 0) problem = '--proxy-from needs at least one address or CIDR block';
        } catch (e) {
          problem = `--proxy-from: ${(e as Error).message}`;
        }
        break;
      case 'l':
        options.localName = value;
        break;
      case 'metrics':
        try {
          options.metrics = parseListenAddress(value);
        } catch (e) {
          problem = `--metrics: ${(e as Error).message}`;
        }
        break;
      case 'i':
      case 'x':
        if (options.rules) return { kind: 'usage', problem: '-i and -x exclude each other' };
        options.rules = { kind: flag === 'x' ? 'cdb' : 'dir', path: value };
        break;
    }
    if (problem) return { kind: 'usage', problem };
  }
  const [host, port, ...program] = split.rest;
  if (host === undefined || port === undefined || program.length === 0) return { kind: 'usage', problem: 'host, port and program are needed' };
  options.host = host;
  options.port = port;
  options.program = program;
  // As tcpsvd: a per-host limit above the global one means the global one.
  if (options.perHost && options.perHost.limit > options.concurrency) options.perHost.limit = options.concurrency;
  return { kind: 'ok', options };
}
