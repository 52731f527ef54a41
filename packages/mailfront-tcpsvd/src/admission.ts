/**
 * What tcpsvd's child does with a connection before the chain runs
 * (reference modern-mx §1.1):
 *
 *   pid line → PROXY header (--proxy-from) → client name (-h/-p) →
 *   local name (-l or DNS) → TCP* environment → rules → per-client limit
 *   (-C) → decision line → deny (close), or the program to run: the chain,
 *   or /bin/sh -c for an exec rule → the listener's connection rate limit
 *
 * The result is the program and environment to run, or the session's exit
 * status when it ends here (deny, drop).
 */
import type { Socket } from 'node:net';
import { formatSmtpReply, ProxyHeaderError, readProxyHeader } from '@mailfront/core';
import type { RateLimits } from '@mailfront/ratelimit';
import { unmapped } from './address.js';
import { remoteName } from './dns.js';
import { EXIT_DENY, EXIT_DROP, OVER_PER_HOST_LIMIT, RATE_LIMITED, type Listener } from './listener.js';
import { logAddress, logField, logInstructions } from './log.js';
import { sessionLimits } from './rate-limits.js';
import { decide, type RuleDecision, type SessionEnv } from './rules.js';
import { RuleCheckError, RulesUnreadable } from './rules-source.js';

/** --proxy-from: time for the whole PROXY header (the specification asks for at least 3 s; Postfix waits 5). */
export const PROXY_TIMEOUT_MS = 5000;

/** The connection as the session has it when it starts. */
export interface Arriving {
  listener: Listener;
  id: number;
  socket: Socket;
  /** Sessions from this client now, this one included (counted by the primary). */
  concurrency: number;
  /** Counts one of the session's counters up by one. */
  count(counter: string): void;
}

export interface Admitted {
  argv: readonly string[];
  env: SessionEnv;
  /** The client and its RATELIMIT_* limits (after the rules), for the rate-limit questions of the chain. */
  client: { ip: string; limits: RateLimits };
}

interface Addresses {
  remoteIp: string;
  remotePort: string;
  localIp: string;
  localPort: string;
}

export async function admit(a: Arriving): Promise<Admitted | number> {
  const { listener, socket } = a;
  const { options, log } = listener;
  let addresses: Addresses = {
    remoteIp: unmapped(socket.remoteAddress),
    remotePort: String(socket.remotePort ?? ''),
    localIp: unmapped(socket.localAddress),
    localPort: String(socket.localPort ?? ''),
  };
  let concurrency = a.concurrency;
  log.info(`pid ${a.id} from ${logAddress(addresses.remoteIp)}`);
  if (options.proxyFrom) {
    const client = await proxyHeader(a, addresses);
    if (typeof client === 'number') return client;
    addresses = client.addresses;
    concurrency = client.concurrency ?? concurrency;
  }
  const { remoteIp, remotePort, localIp, localPort } = addresses;

  let remoteHost = '';
  if (options.lookupRemote) {
    try {
      remoteHost = await remoteName(listener.lookups, remoteIp, options.paranoid);
    } catch (e) {
      log.warn(`unable to look up hostname: ${remoteIp}: ${reason(e)}`);
    }
  }
  let localHost = options.localName;
  if (localHost === undefined) {
    try {
      localHost = (await listener.lookups.name(localIp)) ?? '';
    } catch (e) {
      log.drop(`unable to look up local hostname: ${reason(e)}`);
      return EXIT_DROP;
    }
  }

  const env: SessionEnv = { ...listener.baseEnv };
  if (!options.noEnv) {
    const set = (name: string, value: string) => {
      if (value === '') delete env[name];
      else env[name] = value;
    };
    set('PROTO', 'TCP');
    set('TCPLOCALIP', localIp);
    set('TCPLOCALPORT', localPort);
    set('TCPLOCALHOST', localHost);
    set('TCPREMOTEIP', remoteIp);
    set('TCPREMOTEPORT', remotePort);
    set('TCPREMOTEHOST', remoteHost);
    delete env.TCPREMOTEINFO;
    if (options.perHost) env.TCPCONCURRENCY = String(concurrency);
  }

  let decision: RuleDecision = { action: 'default', match: '', text: '', perHost: options.perHost };
  if (listener.rules) {
    try {
      decision = await decide(remoteIp, remoteHost, env, options.perHost, {
        source: listener.rules,
        lookups: listener.lookups,
        warn: (text) => log.warn(text),
      });
    } catch (e) {
      if (e instanceof RulesUnreadable) log.drop(`unable to read: ${listener.rules.path}: ${e.reason}`);
      else if (e instanceof RuleCheckError) log.drop(`unable to check inst: ${remoteIp}: ${e.message}`);
      else throw e;
      return EXIT_DROP;
    }
  }

  let action = decision.action;
  const limit = decision.perHost;
  if (limit && limit.limit > 0) {
    if (concurrency > limit.limit) {
      action = 'deny';
      a.count(OVER_PER_HOST_LIMIT);
      // Best effort, as tcpsvd: one non-blocking write before the close.
      if (limit.message.length > 0) socket.write(limit.message);
    }
    log.info(`concurrency ${a.id} ${logAddress(remoteIp)} ${concurrency}/${limit.limit}`);
  }
  log.info(decisionLine(a, action, decision, { localHost, localIp, remoteHost, remoteIp, remotePort }));

  if (action === 'deny') {
    if (socket.writableLength > 0) socket.end();
    else socket.destroy();
    return EXIT_DENY;
  }
  const client = { ip: remoteIp, limits: sessionLimits(env, (line) => log.warn(line)) };
  const limited = await listener.rateLimits?.ask('connection', remoteIp, client.limits);
  if (limited) {
    a.count(RATE_LIMITED);
    socket.end(formatSmtpReply(limited));
    return EXIT_DENY;
  }
  const argv = action === 'exec' ? ['/bin/sh', '-c', decision.text] : options.program;
  return { argv, env, client };
}

/**
 * --proxy-from: the client and the address it reached, from the PROXY
 * header the front end sends first; everything after it (the rules, -C,
 * the chain's TCP* variables) is about that client, and -C counts it
 * (concurrency) once the primary has moved it. From a peer not in the
 * list, or without a valid header in time, the connection is closed: deny.
 */
async function proxyHeader(a: Arriving, real: Addresses): Promise<{ addresses: Addresses; concurrency?: number } | number> {
  const { options, log } = a.listener;
  const peer = real.remoteIp;
  const refuse = (why: string) => {
    log.warn(`proxy ${a.id}: refused ${peer}: ${why}`);
    a.socket.destroy();
    return EXIT_DENY;
  };
  if (!options.proxyFrom!.allows(peer)) return refuse('not in --proxy-from');
  let header;
  try {
    header = await readProxyHeader(a.socket, { timeoutMs: PROXY_TIMEOUT_MS });
  } catch (e) {
    if (!(e instanceof ProxyHeaderError)) throw e;
    return refuse(e.message);
  }
  if (header.command === 'local') {
    log.info(`proxy ${a.id} ${logAddress(peer)}: LOCAL, addresses unchanged`);
    return { addresses: real };
  }
  const client = { remoteIp: header.source.address, remotePort: String(header.source.port), localIp: header.destination.address, localPort: String(header.destination.port) };
  log.info(`proxy ${a.id} ${logAddress(peer)}: client ${logAddress(client.remoteIp)}:${client.remotePort} to ${logAddress(client.localIp)}:${client.localPort}`);
  const moved = client.remoteIp !== peer && a.listener.moveClient ? await a.listener.moveClient(a.id, client.remoteIp) : undefined;
  return { addresses: client, concurrency: moved };
}

function decisionLine(a: Arriving, action: string, d: RuleDecision, at: { localHost: string; localIp: string; remoteHost: string; remoteIp: string; remotePort: string }): string {
  const word = action === 'deny' ? 'deny' : action === 'exec' ? 'exec' : 'start';
  let line = `${word} ${a.id} ${logField(at.localHost)}:${logAddress(at.localIp)} :${logField(at.remoteHost)}:${logAddress(at.remoteIp)}:${logField(at.remotePort)}`;
  const rules = a.listener.rules;
  if (rules) {
    line += ` ${rules.logPrefix}${logField(rules.matchName(d.match))}`;
    if (d.text !== '' && a.listener.log.verbose > 1) line += `: ${logInstructions(d.text)}`;
  }
  return line;
}

function reason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  return code ?? (e as Error).message ?? String(e);
}
