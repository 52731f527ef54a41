/**
 * --metrics HOST:PORT (docs/metrics.md): the primary keeps the one metric
 * set and serves it. Every connection passes through the primary and every
 * session reports its end there (its counters and timings, sent by the
 * worker that ran it), so the numbers are the sum over all workers by
 * construction, and a worker that dies takes nothing with it: the counts of
 * its finished sessions are already in the primary.
 */
import { MetricSet, startMetricsServer, type ConnectionResult, type ListenAddress, type MetricsServer } from '@mailfront/metrics';
import type { ListenerHooks, SessionEnd } from './events.js';
import { EXIT_DENY, OVER_PER_HOST_LIMIT, RATE_LIMITED } from './listener.js';

const PREFIXED = /^(recipients_rejected|dnsbl_hits):(.+)$/;

/** How a session's end reads as a connection outcome. */
function connectionResult(end: SessionEnd): ConnectionResult {
  if (end.counters[RATE_LIMITED]) return 'ratelimit';
  if (end.counters[OVER_PER_HOST_LIMIT]) return 'limit';
  return end.status === EXIT_DENY ? 'denied' : 'accepted';
}

/** Feeds one finished session into the set. */
export function recordSession(set: MetricSet, end: SessionEnd): void {
  set.connection(connectionResult(end));
  set.sessionEnded(end.durationMs / 1000);
  const c = end.counters;
  const tempfail = c.messages_tempfail ?? 0;
  for (let i = 0; i < (c.messages_accepted ?? 0); i++) set.message('queued');
  for (let i = 0; i < tempfail; i++) set.message('tempfail');
  for (let i = 0; i < (c.messages_refused ?? 0) - tempfail; i++) set.message('rejected');
  set.receivedBytes(c.message_bytes ?? 0);
  for (const [name, value] of Object.entries(c)) {
    const labelled = PREFIXED.exec(name);
    if (!labelled) continue;
    for (let i = 0; i < value; i++) {
      if (labelled[1] === 'recipients_rejected') set.recipientRejected(labelled[2]!);
      else set.dnsblHit(labelled[2]!);
    }
  }
  for (const seconds of end.observations.backend_seconds ?? []) set.backend(seconds);
  for (const seconds of end.observations.cvm_lookup_seconds ?? []) set.cvmLookup(seconds);
}

/** Connects a metric set to the primary's events. */
export function metricsHooks(set: MetricSet, hooks: ListenerHooks): ListenerHooks {
  hooks.sessionStart.push(() => set.sessionStarted());
  hooks.sessionEnd.push((end) => recordSession(set, end));
  hooks.dropped.push(() => set.connection('limit'));
  return hooks;
}

/** The /metrics endpoint on `address`, serving `set`. */
export function serveMetrics(set: MetricSet, address: ListenAddress, warn: (text: string) => void): Promise<MetricsServer> {
  return startMetricsServer(address, () => set.text(), (e) => warn(`metrics: ${e.message}`));
}
