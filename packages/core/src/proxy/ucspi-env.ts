/**
 * A PROXY header as the UCSPI variables a chain reads: the client becomes
 * ${PROTO}REMOTEIP/REMOTEPORT, the address it connected to
 * ${PROTO}LOCALIP/LOCALPORT. ${PROTO}REMOTEHOST and REMOTEINFO are removed:
 * they named the proxy, not the client (no lookup is made; a chain that
 * wants the client's name runs its own). ${PROTO}LOCALHOST, the name given
 * to the listener, stays. A LOCAL header (the proxy's own health check)
 * changes nothing.
 */
import type { Env } from '../env.js';
import type { ProxyHeader } from './types.js';

export function proxyUcspiEnv(header: ProxyHeader, env: Env): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = { ...env };
  if (header.command === 'local') return out;
  const proto = env.PROTO || 'TCP';
  out[`${proto}REMOTEIP`] = header.source.address;
  out[`${proto}REMOTEPORT`] = String(header.source.port);
  out[`${proto}LOCALIP`] = header.destination.address;
  out[`${proto}LOCALPORT`] = String(header.destination.port);
  delete out[`${proto}REMOTEHOST`];
  delete out[`${proto}REMOTEINFO`];
  return out;
}
