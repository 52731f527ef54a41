/**
 * The HTTP endpoint Prometheus scrapes: GET (or HEAD) /metrics answers the
 * text format; every other path is 404, every other method 405. A failure
 * to collect answers 503 (a worker did not reply in time, say) rather than
 * a partial sum that would look like a counter reset.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ListenAddress } from './metrics-address.js';
import { TEXT_CONTENT_TYPE } from './sum-over-workers.js';

export interface MetricsServer {
  /** The address really bound (the port when 0 was asked). */
  readonly address: ListenAddress;
  close(): Promise<void>;
}

export async function startMetricsServer(where: ListenAddress, render: () => Promise<string>, onError?: (e: Error) => void): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found: try /metrics\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('Method not allowed\n');
      return;
    }
    render().then(
      (text) => res.writeHead(200, { 'content-type': TEXT_CONTENT_TYPE }).end(req.method === 'HEAD' ? undefined : text),
      (e: Error) => {
        onError?.(e);
        res.writeHead(503, { 'content-type': 'text/plain' }).end('Metrics unavailable\n');
      },
    );
  });
  // Scrapes are short; a client that holds a connection open gets no more than a minute.
  server.headersTimeout = 10_000;
  server.requestTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(where.port, where.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  return {
    address: { host: where.host, port: bound.port },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
