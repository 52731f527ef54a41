/**
 * The primary's view: the snapshots of every worker summed into one text
 * (prom-client's aggregation: counters, gauges and histogram buckets add
 * up). It takes snapshots, not workers, so any transport will do (cluster
 * IPC, a pipe); a worker that died takes its counts with it, which
 * Prometheus reads as a counter reset.
 */
import { AggregatorRegistry, Registry } from 'prom-client';
import type { MetricsSnapshot } from './metric-set.js';

/** The content type of the text format 0.0.4. */
export const TEXT_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

export async function sumOverWorkers(snapshots: readonly MetricsSnapshot[]): Promise<string> {
  if (snapshots.length === 0) return '';
  return AggregatorRegistry.aggregate([...snapshots]).metrics();
}
