/** PROXY protocol version 1: one text line (see header.ts for what is accepted). */
import type { Endpoint, ProxyParse } from './types.js';
import { isCanonicalIpv4, normalIpv6 } from './address.js';

/** The longest v1 line, CR LF included (an UNKNOWN line with full fields). */
export const V1_MAX_LENGTH = 107;
const MIN_LINE = 15;
const PORT = /^(?:0|[1-9][0-9]{0,4})$/;

function invalid(reason: string): ProxyParse {
  return { kind: 'invalid', reason };
}

export function parseV1(bytes: Buffer): ProxyParse {
  const lf = bytes.indexOf(0x0a);
  const cr = bytes.indexOf(0x0d);
  // Only CR LF ends the line; a lone CR or LF anywhere is malformed.
  if (cr !== -1 && cr + 1 < bytes.length && bytes[cr + 1] !== 0x0a) return invalid('a CR without LF in the v1 line');
  if (lf !== -1 && lf !== cr + 1) return invalid('a LF without CR in the v1 line');
  if (lf === -1) {
    if (bytes.length >= V1_MAX_LENGTH) return invalid(`no CR LF within ${V1_MAX_LENGTH} bytes`);
    return { kind: 'incomplete', need: Math.max(1, MIN_LINE - bytes.length) };
  }
  const line = bytes.subarray(0, cr).toString('latin1');
  const fields = line.split(' ');
  if (fields[1] === 'UNKNOWN') return invalid('v1 UNKNOWN carries no client address');
  if (fields.length !== 6) return invalid('a v1 line needs PROXY, the protocol, two addresses and two ports');
  const [, proto, srcAddress, dstAddress, srcPort, dstPort] = fields as [string, string, string, string, string, string];
  let source: string | undefined;
  let destination: string | undefined;
  if (proto === 'TCP4') {
    source = isCanonicalIpv4(srcAddress) ? srcAddress : undefined;
    destination = isCanonicalIpv4(dstAddress) ? dstAddress : undefined;
  } else if (proto === 'TCP6') {
    source = normalIpv6(srcAddress);
    destination = normalIpv6(dstAddress);
  } else {
    return invalid(`unknown v1 protocol ${JSON.stringify(proto)}`);
  }
  if (source === undefined || destination === undefined) return invalid(`a malformed ${proto} address`);
  const ports = [srcPort, dstPort].map((p) => (PORT.test(p) && Number(p) <= 65535 ? Number(p) : undefined));
  if (ports[0] === undefined || ports[1] === undefined) return invalid('a malformed port');
  const endpoint = (address: string, port: number): Endpoint => ({ address, port });
  return {
    kind: 'complete',
    header: { version: 1, command: 'proxy', source: endpoint(source, ports[0]), destination: endpoint(destination, ports[1]) },
    length: lf + 1,
  };
}
