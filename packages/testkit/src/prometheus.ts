/**
 * The Prometheus text format read back by an independent parser
 * (parse-prometheus-text-format), so tests check what a scraper sees, not
 * what our own code believes it wrote.
 */
import { createRequire } from 'node:module';

// The package ships no types; required untyped and given a shape below.
const parsePrometheusTextFormat = createRequire(import.meta.url)('parse-prometheus-text-format') as (text: string) => unknown;

export interface PrometheusSample {
  value?: string;
  labels?: Record<string, string>;
  /** Histograms: cumulative counts by upper bound (`le`). */
  buckets?: Record<string, string>;
  count?: string;
  sum?: string;
}

export interface PrometheusFamily {
  name: string;
  help: string;
  type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
  metrics: PrometheusSample[];
}

/** Parses the text format into metric families. */
export function parsePrometheusText(text: string): PrometheusFamily[] {
  return parsePrometheusTextFormat(text) as PrometheusFamily[];
}

/** The value of the sample of `name` whose labels include `labels`, as a number; undefined when there is none. */
export function metricValue(families: readonly PrometheusFamily[], name: string, labels: Record<string, string> = {}): number | undefined {
  const sample = families.find((f) => f.name === name)?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  return sample?.value === undefined ? undefined : Number(sample.value);
}
