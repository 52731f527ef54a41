import t from 'tap';
import { metricValue, parsePrometheusText } from '../src/index.js';

t.test('the text format read back by an independent parser', async (t) => {
  const text = [
    '# HELP x_total Things.',
    '# TYPE x_total counter',
    'x_total{kind="a"} 3',
    'x_total{kind="b"} 4',
    '# HELP y_seconds Time.',
    '# TYPE y_seconds histogram',
    'y_seconds_bucket{le="1"} 1',
    'y_seconds_bucket{le="+Inf"} 2',
    'y_seconds_sum 2.5',
    'y_seconds_count 2',
    '',
  ].join('\n');
  const families = parsePrometheusText(text);
  t.equal(metricValue(families, 'x_total', { kind: 'b' }), 4);
  t.equal(metricValue(families, 'x_total'), 3, 'no labels asked: the first sample');
  t.equal(metricValue(families, 'x_total', { kind: 'c' }), undefined);
  t.equal(metricValue(families, 'nothing'), undefined);
  const histogram = families.find((f) => f.name === 'y_seconds')!;
  t.equal(histogram.type, 'HISTOGRAM');
  t.same([histogram.metrics[0]!.count, histogram.metrics[0]!.sum, histogram.metrics[0]!.buckets!['+Inf']], ['2', '2.5', '2']);
});
