/**
 * The primary with --metrics: the endpoint is bound first (before the
 * listening port and the drop of ids, so a privileged port works too), the
 * primary runs with the metric set on its events, and the endpoint closes
 * when the primary is done. Without --metrics this is runPrimary itself.
 */
import type { Env, Io } from '@mailfront/core';
import { MetricSet } from '@mailfront/metrics';
import { noHooks, type ListenerHooks } from './events.js';
import { createListenerLog } from './log.js';
import { metricsHooks, serveMetrics } from './metrics.js';
import type { ListenerOptions } from './options.js';
import { runPrimary } from './primary.js';
import type { ProcessPort } from './process-port.js';

/** tcpsvd's status when it cannot bind. */
const EXIT_FATAL = 111;

export async function runWithMetrics(
  options: ListenerOptions,
  argv: readonly string[],
  env: Env,
  io: Io,
  port: ProcessPort,
  hooks: ListenerHooks = noHooks(),
): Promise<number> {
  if (!options.metrics) return runPrimary(options, argv, env, io, port, hooks);
  const log = createListenerLog(options.verbose, io.stdout, io.stderr);
  const set = new MetricSet();
  let server;
  try {
    server = await serveMetrics(set, options.metrics, (text) => log.warn(text));
  } catch (e) {
    log.fatal(`unable to bind the metrics socket: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    return EXIT_FATAL;
  }
  log.info(`metrics on http://${options.metrics.host.includes(':') ? `[${options.metrics.host}]` : options.metrics.host}:${server.address.port}/metrics`);
  try {
    return await runPrimary(options, argv, env, io, port, metricsHooks(set, hooks));
  } finally {
    await server.close();
  }
}
