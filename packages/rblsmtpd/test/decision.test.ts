import t from 'tap';
import type { DnsblResult } from '@mailfront/dnsbl';
import { consultLists, planSteps, REASON_LOOKUP_ERROR, verdictFromVariable, type ListStep } from '../src/decision.js';

t.test('the RBLSMTPD variable', async (t) => {
  t.same(verdictFromVariable(undefined), { kind: 'undecided' });
  t.same(verdictFromVariable(''), { kind: 'accept' });
  t.same(verdictFromVariable('-go away'), { kind: 'block', code: 553, reason: 'go away' });
  t.same(verdictFromVariable('-'), { kind: 'block', code: 553, reason: '' });
  t.same(verdictFromVariable('slow down'), { kind: 'block', code: 451, reason: 'slow down' });
  t.same(verdictFromVariable('caf\u00e9'), { kind: 'block', code: 451, reason: 'caf\xc3\xa9' }, 'bytes, as the C original sees them');
});

t.test('flags apply to the lists after them', async (t) => {
  const steps = planSteps([
    { name: 'rbl', value: 'one.test' },
    { name: 'permanent', value: true },
    { name: 'fail-closed', value: true },
    { name: 'anti-rbl', value: 'white.test' },
    { name: 'timeout', value: '5' },
    { name: 'temporary', value: true },
    { name: 'fail-open', value: true },
    { name: 'rbl', value: 'two.test' },
  ]);
  t.same(steps, [
    { kind: 'block-list', zone: 'one.test', permanent: false, failClosed: false },
    { kind: 'allow-list', zone: 'white.test', permanent: true, failClosed: true },
    { kind: 'block-list', zone: 'two.test', permanent: false, failClosed: false },
  ]);
});

const listed = (zone: string, text?: string): DnsblResult => ({ status: 'listed', zone, name: 'n', codes: ['127.0.0.2'], text });
const clean = (zone: string): DnsblResult => ({ status: 'not-listed', zone, name: 'n' });
const failed = (zone: string): DnsblResult => ({ status: 'error', zone, name: 'n', problem: 'timeout', detail: 'A lookup of n failed: ETIMEOUT' });
const block = (zone: string, permanent = false, failClosed = false): ListStep => ({ kind: 'block-list', zone, permanent, failClosed });
const allow = (zone: string, failClosed = false): ListStep => ({ kind: 'allow-list', zone, permanent: false, failClosed });

async function consult(steps: ListStep[], answers: Record<string, DnsblResult>) {
  const started: string[] = [];
  const warned: string[] = [];
  let cancelled = 0;
  const verdict = await consultLists(steps, {
    lookup: (step) => {
      started.push(step.zone);
      return new Promise((resolve) => setTimeout(() => resolve(answers[step.zone]!), 5));
    },
    warn: (step, result, closed) => warned.push(`${step.zone} ${result.problem} ${closed}`),
    cancel: () => void cancelled++,
  });
  return { verdict, started, warned, cancelled };
}

t.test('the first deciding list wins; all lookups start at once; the rest is cancelled', async (t) => {
  const r = await consult([block('a'), block('b', true), allow('c')], { a: clean('a'), b: listed('b', 'spam'), c: listed('c') });
  t.same(r.verdict, { kind: 'block', code: 553, reason: 'spam' });
  t.same(r.started, ['a', 'b', 'c']);
  t.equal(r.cancelled, 1);
  const anti = await consult([allow('c'), block('b', true)], { c: listed('c'), b: listed('b', 'spam') });
  t.same(anti.verdict, { kind: 'accept' }, 'an allow list before the block list wins');
});

t.test('nothing listed: undecided', async (t) => {
  const r = await consult([block('a'), allow('c')], { a: clean('a'), c: clean('c') });
  t.same(r.verdict, { kind: 'undecided' });
  t.equal(r.cancelled, 1);
  t.same((await consult([], {})).verdict, { kind: 'undecided' });
});

t.test('a list without TXT text gets a default reason', async (t) => {
  const r = await consult([block('a')], { a: listed('a') });
  t.same(r.verdict, { kind: 'block', code: 451, reason: 'listed by a' });
});

t.test('a failed lookup: fail-open ignores it, but forbids 553 later', async (t) => {
  const r = await consult([block('a'), block('b', true)], { a: failed('a'), b: listed('b', 'spam') });
  t.same(r.verdict, { kind: 'block', code: 451, reason: 'spam' });
  t.same(r.warned, ['a timeout false']);
});

t.test('a failed lookup with -c blocks with the temporary error', async (t) => {
  const r = await consult([block('a', true, true), block('b', true)], { a: failed('a'), b: listed('b', 'spam') });
  t.same(r.verdict, { kind: 'block', code: 451, reason: REASON_LOOKUP_ERROR });
});

t.test('a failed allow list accepts with -C and is skipped with -c', async (t) => {
  t.same((await consult([allow('w'), block('b')], { w: failed('w'), b: listed('b', 'x') })).verdict, { kind: 'accept' });
  const closed = await consult([allow('w', true), block('b', true)], { w: failed('w'), b: listed('b', 'x') });
  t.same(closed.verdict, { kind: 'block', code: 451, reason: 'x' });
  t.same(closed.warned, ['w timeout true']);
});
