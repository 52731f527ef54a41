import t from 'tap';
import { authResultsHeader, claimedAuthservId, fold, formatValue, resultComment, sameAuthservId } from '../src/plugins/mailauth/auth-results.js';
import { fieldName, HeaderCollector, splitFields } from '../src/plugins/mailauth/header-section.js';
import { boundedResolver, type ResolveLike } from '../src/plugins/mailauth/resolver.js';
import { rewriteMessage } from '../src/plugins/mailauth/rewrite.js';
import { MessageFile } from '../src/engine/message-file.js';
import { scratchDir } from '@mailfront/testkit';

t.test('the authserv-id an Authentication-Results field claims', async (t) => {
  t.equal(claimedAuthservId(' mx.example.com; spf=pass'), 'mx.example.com');
  t.equal(claimedAuthservId('\n\t(a (nested \\) comment)) mx.example.com 1; none'), 'mx.example.com');
  t.equal(claimedAuthservId(' "mx.exa\\"mple\n.com"; none'), 'mx.exa"mple.com');
  t.equal(claimedAuthservId(' "unterminated'), undefined);
  t.equal(claimedAuthservId(' ; none'), undefined);
  t.ok(sameAuthservId('MX.Example.COM', 'mx.example.com'));
  t.notOk(sameAuthservId('mx.example.com.evil', 'mx.example.com'));
  t.ok(sameAuthservId('bücher.example', 'xn--bcher-kva.example'), 'U-label and A-label');
});

t.test('values, comments and folding', async (t) => {
  t.equal(formatValue('mx.example.com'), 'mx.example.com');
  t.equal(formatValue('a b"\\\r'), '"a b\\"\\\\?"');
  t.equal(resultComment('a (b) \\ c\n'), '(a \\(b\\) \\\\ c?)');
  t.equal(resultComment('x'.repeat(400)), `(${'x'.repeat(300)}...)`);
  const folded = fold(`\t${'word '.repeat(40).trim()}`);
  t.ok(folded.split('\n').every((l) => l.length <= 78));
  t.equal(folded.replace(/\n/g, ''), `\t${'word '.repeat(40).trim()}`, 'unfolding gives the text back');
  t.equal(fold('x'.repeat(100)), 'x'.repeat(100), 'a word longer than a line stays whole');
  t.equal(authResultsHeader('mx', []), 'Authentication-Results: mx; none\n');
  t.equal(authResultsHeader('my mx', ['spf=pass']), 'Authentication-Results: "my mx";\n\tspf=pass\n');
});

t.test('the header collector and the field splitter', async (t) => {
  const c = new HeaderCollector(100);
  t.same(c.push(Buffer.from('A: 1\n B\n')), { state: 'partial' });
  const done = c.push(Buffer.from('C: 2\n\nbody\n'));
  t.equal(done.state, 'complete');
  if (done.state === 'complete') {
    t.equal(done.header.toString(), 'A: 1\n B\nC: 2\n\n');
    t.equal(done.rest.toString(), 'body\n');
    t.same(splitFields(done.header).map(String), ['A: 1\n B\n', 'C: 2\n']);
  }
  t.throws(() => c.push(Buffer.from('x')), /already complete/);
  t.same(new HeaderCollector(10).push(Buffer.from('X: 12345678901\n')), { state: 'too-large' });
  t.same(new HeaderCollector(10).push(Buffer.from('X: 12345678\n\n')), { state: 'too-large' });
  const empty = new HeaderCollector(10).push(Buffer.from('\nbody'));
  t.same(empty.state === 'complete' && [empty.header.toString(), empty.rest.toString()], ['\n', 'body']);
  const headersOnly = new HeaderCollector(100);
  headersOnly.push(Buffer.from('A: 1\nB: 2'));
  t.same(splitFields(headersOnly.finish()).map(String), ['A: 1\n', 'B: 2']);
  t.same(splitFields(Buffer.from(' lead\nA: 1\n')).map(String), [' lead\n', 'A: 1\n']);
  t.equal(fieldName(Buffer.from('Subject : x\n')), 'subject');
  t.equal(fieldName(Buffer.from('no colon\n then: x\n')), '');
});

t.test('the resolver gives up after the query timeout and after the time of the whole check', async (t) => {
  const never: ResolveLike = { resolve: () => new Promise(() => {}), cancel: () => {} };
  const code = (p: Promise<unknown>) => p.then(() => 'ok', (e: NodeJS.ErrnoException) => e.code);
  t.equal(await code(boundedResolver(never, 20, 10_000)('a.test', 'TXT')), 'ETIMEOUT');
  let now = 1000;
  const answers: ResolveLike = { resolve: async () => [['v=spf1']], cancel: () => {} };
  const r = boundedResolver(answers, 1000, 500, () => now);
  t.same(await r('a.test', 'TXT'), [['v=spf1']]);
  now += 500;
  t.equal(await code(r('a.test', 'TXT')), 'ETIMEOUT', 'the check is out of time: no more queries');
});

t.test('rewriting: forged fields go, a header section too large to filter is copied whole', async (t) => {
  const dir = scratchDir(t);
  const run = async (text: string, limit: number) => {
    const source = MessageFile.create(dir);
    const target = MessageFile.create(dir);
    source.append(Buffer.from(text));
    const r = await rewriteMessage(source, target, Buffer.from('Top: 1\n'), 'mx.test', limit);
    const out = target.read(0, 1 << 20).toString();
    source.close();
    target.close();
    return { ...r, out };
  };
  const forged = 'Authentication-Results: mx.test; spf=pass\nSubject: s\n\nbody\n';
  t.same(await run(forged, 1000), { removed: 1, unfiltered: false, out: 'Top: 1\nSubject: s\n\nbody\n' });
  t.same(await run(forged, 10), { removed: 0, unfiltered: true, out: `Top: 1\n${forged}` });
  t.same(await run('Authentication-Results: mx.test; none', 1000), { removed: 1, unfiltered: false, out: 'Top: 1\n' });
  const big = `Subject: s\n\n${'b'.repeat(200_000)}\n`;
  t.equal((await run(big, 1000)).out, `Top: 1\n${big}`, 'a body of several chunks');
});
