/**
 * The metrics of mailfront-ts, each with its name, help, labels and unit
 * (Prometheus naming: one `mailfront_` prefix, base units, `_total` on
 * counters), on a registry of their own. One MetricSet per process: the
 * listener's workers each keep one, and the primary sums their snapshots
 * (sum-over-workers.ts), so nothing here depends on how they talk.
 *
 * Label values are bounded by configuration, never by a peer: a result or
 * status word, a plugin name, a DNSBL zone. No address, sender or message
 * id ever becomes a label.
 */
import { Counter, Gauge, Histogram, Registry, type MetricObjectWithValues, type MetricValue } from 'prom-client';

export type ConnectionResult = 'accepted' | 'denied' | 'limit' | 'ratelimit';
export type MessageStatus = 'queued' | 'rejected' | 'tempfail';

/** What a worker sends to the primary: its metrics as prom-client's JSON. */
export type MetricsSnapshot = MetricObjectWithValues<MetricValue<string>>[];

/** Session lengths: a refused client ends in milliseconds, a slow sender's session in minutes. */
const SESSION_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 1200];
/** CVM lookups and the backend (qmail-queue) are local and usually fast. */
const FAST_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];

export class MetricSet {
  readonly registry = new Registry();
  readonly #connections: Counter<'result'>;
  readonly #sessionsActive: Gauge;
  readonly #messages: Counter<'status'>;
  readonly #recipientsRejected: Counter<'plugin'>;
  readonly #receivedBytes: Counter;
  readonly #dnsblHits: Counter<'zone'>;
  readonly #sessionDuration: Histogram;
  readonly #cvmLookupDuration: Histogram;
  readonly #backendDuration: Histogram;

  constructor() {
    const registers = [this.registry];
    this.#connections = new Counter({
      name: 'mailfront_connections_total',
      help: 'Connections by outcome: accepted, denied by the rules, refused over the concurrency limit (-c/-C) or a rate limit.',
      labelNames: ['result'],
      registers,
    });
    this.#sessionsActive = new Gauge({ name: 'mailfront_sessions_active', help: 'Sessions in progress.', registers });
    this.#messages = new Counter({
      name: 'mailfront_messages_total',
      help: 'Messages at the end of DATA by outcome: queued, rejected (5xx) or deferred (4xx).',
      labelNames: ['status'],
      registers,
    });
    this.#recipientsRejected = new Counter({
      name: 'mailfront_recipients_rejected_total',
      help: 'Recipients refused, by the plugin that refused them.',
      labelNames: ['plugin'],
      registers,
    });
    this.#receivedBytes = new Counter({ name: 'mailfront_received_bytes_total', help: 'Message bytes received.', registers });
    this.#dnsblHits = new Counter({ name: 'mailfront_dnsbl_hits_total', help: 'Clients found on a DNS block list, by zone.', labelNames: ['zone'], registers });
    this.#sessionDuration = new Histogram({
      name: 'mailfront_session_duration_seconds',
      help: 'Length of sessions, from accept to close.',
      buckets: SESSION_BUCKETS,
      registers,
    });
    this.#cvmLookupDuration = new Histogram({
      name: 'mailfront_cvm_lookup_duration_seconds',
      help: 'Time of CVM lookups (recipient validation, authentication).',
      buckets: FAST_BUCKETS,
      registers,
    });
    this.#backendDuration = new Histogram({
      name: 'mailfront_backend_duration_seconds',
      help: 'Time the backend took to accept a message at the end of DATA (qmail-queue run).',
      buckets: FAST_BUCKETS,
      registers,
    });
    // Every label value that is known in advance starts at 0, so rate() sees the first event.
    for (const result of ['accepted', 'denied', 'limit', 'ratelimit'] as const) this.#connections.inc({ result }, 0);
    for (const status of ['queued', 'rejected', 'tempfail'] as const) this.#messages.inc({ status }, 0);
  }

  connection(result: ConnectionResult): void {
    this.#connections.inc({ result });
  }

  sessionStarted(): void {
    this.#sessionsActive.inc();
  }

  sessionEnded(durationSeconds: number): void {
    this.#sessionsActive.dec();
    this.#sessionDuration.observe(durationSeconds);
  }

  message(status: MessageStatus, bytes = 0): void {
    this.#messages.inc({ status });
    this.receivedBytes(bytes);
  }

  /** Message bytes received, whatever became of the message. */
  receivedBytes(bytes: number): void {
    if (bytes > 0) this.#receivedBytes.inc(bytes);
  }

  recipientRejected(plugin: string): void {
    this.#recipientsRejected.inc({ plugin });
  }

  dnsblHit(zone: string): void {
    this.#dnsblHits.inc({ zone });
  }

  cvmLookup(seconds: number): void {
    this.#cvmLookupDuration.observe(seconds);
  }

  backend(seconds: number): void {
    this.#backendDuration.observe(seconds);
  }

  /** This process's metrics, for the primary to sum (structured-clone safe: plain objects). */
  snapshot(): Promise<MetricsSnapshot> {
    return this.registry.getMetricsAsJSON() as Promise<MetricsSnapshot>;
  }

  /** The text format of this process alone. */
  text(): Promise<string> {
    return this.registry.metrics();
  }
}
