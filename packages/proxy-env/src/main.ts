/**
 * proxy-env PROGRAM [ARGS...]: behind a proxy that speaks the PROXY
 * protocol (HAProxy's send-proxy / send-proxy-v2), reads the header the
 * proxy sends first, sets the UCSPI variables to the real client
 * (TCPREMOTEIP, TCPREMOTEPORT, TCPLOCALIP, TCPLOCALPORT), and runs PROGRAM
 * with the connection, exactly as a chain program under tcpsvd does.
 *
 * Only peers listed in PROXY_FROM may send a header; from any other peer,
 * and for a header that is malformed, truncated, oversized or late
 * (PROXY_TIMEOUT), the connection is closed and the reason logged. An
 * empty PROXY_FROM (a tcpsvd rule `+PROXY_FROM=` for clients that connect
 * directly) runs PROGRAM at once with the variables as they are.
 */
import {
  ConfigError,
  createLogger,
  envDuration,
  EXIT_TEMPORARY,
  handOffOrFail,
  parseCli,
  ProxyHeaderError,
  proxyUcspiEnv,
  readProxyHeader,
  readProxyHeaderFromDescriptor,
  sessionPid,
  TrustedProxies,
  ucspiFromEnv,
  type CliSpec,
  type Env,
  type ExecOptions,
  type Io,
  type ProxyHeader,
} from '@mailfront/core';
import pkg from '../package.json' with { type: 'json' };

export const PROGRAM = 'proxy-env';
/** The connection was refused: untrusted peer, or no valid header in time. */
export const EXIT_REFUSED = 1;
/** The specification asks for at least 3 s (TCP retransmission); Postfix waits 5. */
const DEFAULT_TIMEOUT_MS = 5000;

export const spec: CliSpec = {
  program: PROGRAM,
  version: pkg.version,
  synopsis: 'PROGRAM [ARGS...]',
  description: `Reads a PROXY protocol header (v1 or v2) from a proxy listed in $PROXY_FROM,
sets TCPREMOTEIP, TCPREMOTEPORT, TCPLOCALIP and TCPLOCALPORT to the client it
stands for, and runs PROGRAM with the connection. PROXY_FROM: addresses and
CIDR blocks (10.0.0.0/8,2001:db8::/32); empty: no header, run PROGRAM at once.
PROXY_TIMEOUT: time allowed for the header (default 5 s).`,
  minArgs: 1,
};

export interface MainOptions {
  /** Exec mode: read the header from this descriptor in exact pieces (bin.ts: 0). Otherwise from io.stdin. */
  descriptor?: number;
  /** For tests: the execve to hand off with. */
  execve?: ExecOptions['execve'];
}

function describe(header: ProxyHeader, peer: string): string {
  if (header.command === 'local') return `LOCAL from ${peer}: the proxy's own connection, addresses unchanged`;
  const { source: s, destination: d } = header;
  return `v${header.version} from ${peer}: client ${s.address} port ${s.port}, to ${d.address} port ${d.port}`;
}

export async function main(argv: string[], env: Env, io: Io, options: MainOptions = {}): Promise<number> {
  const cli = parseCli(spec, argv, io.stdout, io.stderr);
  if (cli.kind === 'exit') return cli.code;
  const log = createLogger(PROGRAM, io.stderr, sessionPid(io));
  const run = (chainEnv: Env) => handOffOrFail(cli.args, chainEnv, io, (message) => log.fatal(message), { execve: options.execve });

  const from = env.PROXY_FROM;
  if (from === undefined) {
    log.fatal('PROXY_FROM is not set: list the proxies that may send a PROXY header (empty: none)');
    return EXIT_TEMPORARY;
  }
  if (from.trim() === '') return run(env);
  let trusted: TrustedProxies;
  let timeoutMs: number;
  try {
    trusted = new TrustedProxies(from);
    timeoutMs = envDuration(env, 'PROXY_TIMEOUT', DEFAULT_TIMEOUT_MS, { min: 1, max: 600_000 });
  } catch (e) {
    log.fatal(e instanceof ConfigError ? e.message : `PROXY_FROM: ${(e as Error).message}`);
    return EXIT_TEMPORARY;
  }

  const peer = ucspiFromEnv(env).remoteIp ?? 'an unknown address';
  if (!trusted.allows(peer)) {
    log.info(`refused ${peer}: not a proxy in PROXY_FROM`);
    return EXIT_REFUSED;
  }
  let header: ProxyHeader;
  try {
    const read = { timeoutMs };
    header = options.descriptor !== undefined ? await readProxyHeaderFromDescriptor(options.descriptor, read) : await readProxyHeader(io.stdin, read);
  } catch (e) {
    /* c8 ignore next: only a bug gets here */
    if (!(e instanceof ProxyHeaderError)) throw e;
    log.info(`refused ${peer}: ${e.message}`);
    return EXIT_REFUSED;
  }
  log.info(describe(header, peer));
  return run(proxyUcspiEnv(header, env));
}
