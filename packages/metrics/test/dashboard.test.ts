// The Grafana dashboard in docs/examples asks only for metrics that exist,
// with the labels they have.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePrometheusText as parsePrometheusTextFormat } from '@mailfront/testkit';
import { MetricSet } from '../src/index.js';

const dashboardPath = join(import.meta.dirname, '../../../docs/examples/grafana/mailfront-dashboard.json');

interface Panel {
  title: string;
  targets: Array<{ expr: string }>;
}

t.test('every query names a metric of the set, with its labels', async (t) => {
  const dashboard = JSON.parse(readFileSync(dashboardPath, 'utf8')) as { panels: Panel[] };
  const m = new MetricSet();
  m.recipientRejected('x');
  m.dnsblHit('x');
  m.sessionEnded(1);
  m.cvmLookup(1);
  m.backend(1);
  const families = parsePrometheusTextFormat(await m.text());
  const labels = new Map(families.map((f) => [f.name, new Set(f.metrics.flatMap((s) => Object.keys(s.labels ?? {})))]));
  const histograms = new Set(families.filter((f) => f.type === 'HISTOGRAM').map((f) => f.name));
  t.ok(dashboard.panels.length >= 10);
  const used = new Set<string>();
  for (const panel of dashboard.panels) {
    for (const { expr } of panel.targets) {
      for (const [, name, suffix] of expr.matchAll(/\b(mailfront_[a-z_]+?)(_bucket|_sum|_count)?\b(?=[{[])/g)) {
        const metric = suffix && histograms.has(name!) ? name! : name! + (suffix ?? '');
        t.ok(labels.has(metric), `${panel.title}: ${metric} exists`);
        used.add(metric);
      }
      for (const [, label] of expr.matchAll(/by \(([a-z_]+)\)/g)) {
        if (label === 'le') continue;
        t.ok([...labels.values()].some((set) => set.has(label!)), `${panel.title}: label ${label}`);
      }
    }
  }
  t.same([...labels.keys()].filter((name) => !used.has(name)), [], 'every metric has a panel');
});
