/**
 * `--metrics HOST:PORT`: where /metrics is served. The host is an address
 * (IPv6 in brackets) or a name; the port 1–65535. Bind it to loopback or a
 * management network: the numbers tell a stranger how busy the server is.
 */
import { isIP } from 'node:net';

export interface ListenAddress {
  host: string;
  port: number;
}

/** Throws RangeError with the reason for anything that is not HOST:PORT. */
export function parseListenAddress(text: string): ListenAddress {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text.trim());
  if (!m) throw new RangeError(`not HOST:PORT: "${text}"`);
  const host = m[1] ?? m[2]!;
  if (m[1] !== undefined && isIP(host) !== 6) throw new RangeError(`not an IPv6 address in brackets: "${text}"`);
  const port = Number(m[3]);
  if (port < 1 || port > 65535) throw new RangeError(`port out of range 1-65535: "${text}"`);
  return { host, port };
}
