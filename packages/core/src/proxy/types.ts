/** What the PROXY header parser reads (header.ts). */
export interface Endpoint {
  /** IPv4 dotted quad or compressed IPv6 (IPv4-mapped addresses unmapped). */
  readonly address: string;
  readonly port: number;
}

export type ProxyHeader =
  | { readonly version: 1 | 2; readonly command: 'proxy'; readonly source: Endpoint; readonly destination: Endpoint }
  /** v2 LOCAL: the proxy's own connection; the real endpoints stand. */
  | { readonly version: 2; readonly command: 'local' };

export type ProxyParse =
  | { readonly kind: 'incomplete'; readonly need: number }
  | { readonly kind: 'invalid'; readonly reason: string }
  | { readonly kind: 'complete'; readonly header: ProxyHeader; readonly length: number };
