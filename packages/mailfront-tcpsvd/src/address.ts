/**
 * The host and port operands, as tcpsvd reads them: host `0` or empty is
 * every IPv4 address, a dotted quad is itself, a name is looked up; the
 * port is a number or a name from /etc/services (tcp). Unlike ipsvd we also
 * take IPv6: `::` (every address, IPv4 too, on a dual-stack host) and IPv6
 * literals; and a host name is resolved by the system resolver, so
 * /etc/hosts counts (`localhost` works; tcpsvd's djbdns resolver asks DNS
 * only).
 */
import { readFileSync } from 'node:fs';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { unmapped as unmappedIp } from '@mailfront/core';

/** Exit status for an unknown user, port or host, as tcpsvd. */
export const EXIT_UNKNOWN = 100;

export class AddressError extends Error {
  override name = 'AddressError';
}

export async function bindAddress(host: string): Promise<string> {
  if (host === '' || host === '0') return '0.0.0.0';
  if (isIP(host) !== 0) return host;
  try {
    return (await lookup(host)).address;
  } catch {
    throw new AddressError(`unable to look up ip address: ${host}`);
  }
}

/** The port number of a number or service name; AddressError when unknown. */
export function portNumber(port: string, servicesFile = '/etc/services'): number {
  if (/^[0-9]{1,5}$/.test(port) && Number(port) <= 65535) return Number(port);
  let services = '';
  try {
    services = readFileSync(servicesFile, 'latin1');
  } catch {
    // no services file: only numbers work
  }
  for (const line of services.split('\n')) {
    const [name, portProto, ...aliases] = line.replace(/#.*/, '').trim().split(/\s+/);
    const match = /^([0-9]+)\/tcp$/.exec(portProto ?? '');
    if (match && (name === port || aliases.includes(port))) return Number(match[1]);
  }
  throw new AddressError(`unknown port number or name: ${port}`);
}

/** An address as the environment and the rules see it: IPv4 peers of an IPv6 socket lose their `::ffff:`. */
export function unmapped(address: string | undefined): string {
  return address === undefined ? '' : unmappedIp(address);
}
