/**
 * The connection context a UCSPI server (tcpserver, tcpsvd) hands to its child
 * through the environment: PROTO and ${PROTO}LOCALIP, …REMOTEIP and friends.
 *
 * It is read once, at the edge of a program, and passed into sessions as a
 * value, so that several sessions can later share one process without reading
 * process.env deep inside protocol code.
 */
import type { Env } from './env.js';

export interface UcspiContext {
  /** The link protocol, "TCP" unless PROTO says otherwise. */
  readonly proto: string;
  readonly localHost: string | undefined;
  readonly localIp: string | undefined;
  readonly localPort: string | undefined;
  readonly remoteHost: string | undefined;
  readonly remoteIp: string | undefined;
  readonly remotePort: string | undefined;
  readonly remoteInfo: string | undefined;
}

const DEFAULT_PROTO = 'TCP';

/** An empty value counts as unset, as in mailfront and qmail-smtpd. */
function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

export function ucspiFromEnv(env: Env): UcspiContext {
  const proto = nonEmpty(env.PROTO) ?? DEFAULT_PROTO;
  const get = (suffix: string) => nonEmpty(env[proto + suffix]);
  return {
    proto,
    localHost: get('LOCALHOST'),
    localIp: get('LOCALIP'),
    localPort: get('LOCALPORT'),
    remoteHost: get('REMOTEHOST'),
    remoteIp: get('REMOTEIP'),
    remotePort: get('REMOTEPORT'),
    remoteInfo: get('REMOTEINFO'),
  };
}

/**
 * The environment variables a context stands for, as tcpserver would set
 * them; unset fields are left out. Used when a program execs the next one in
 * a chain with a context it was given as a value.
 */
export function ucspiToEnv(ctx: UcspiContext): Record<string, string> {
  const out: Record<string, string> = { PROTO: ctx.proto };
  const fields: Array<[string, string | undefined]> = [
    ['LOCALHOST', ctx.localHost],
    ['LOCALIP', ctx.localIp],
    ['LOCALPORT', ctx.localPort],
    ['REMOTEHOST', ctx.remoteHost],
    ['REMOTEIP', ctx.remoteIp],
    ['REMOTEPORT', ctx.remotePort],
    ['REMOTEINFO', ctx.remoteInfo],
  ];
  for (const [suffix, value] of fields) if (value !== undefined) out[ctx.proto + suffix] = value;
  return out;
}
