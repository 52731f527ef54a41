import t from 'tap';
import { parseLimit, parseOptions, unescapeMessage } from '../src/options.js';

const ok = (argv: string[]) => {
  const r = parseOptions(argv, 4);
  if (r.kind !== 'ok') throw new Error(`expected options, got ${JSON.stringify(r)}`);
  return r.options;
};

t.test('defaults: tcpsvd\'s, and one worker per CPU', async (t) => {
  const o = ok(['0', '25', 'prog']);
  t.match(o, { host: '0', port: '25', program: ['prog'], verbose: 0, concurrency: 30, backlog: 20, perHost: undefined, rules: undefined, workers: 4, noEnv: false });
});

t.test('getopt: clusters, attached values, and the program keeps its own options', async (t) => {
  const o = ok(['-vv', '-c40', '-C', '5:421 busy\\r\\n', '-u', 'qmaild', '-l', '0', '-x', 'iprules.cdb', '-w1', '0', 'smtp', 'rblsmtpd', '-B', '-t', '300', 'mailfront-smtpd']);
  t.equal(o.verbose, 2);
  t.equal(o.concurrency, 40);
  t.same(o.perHost, { limit: 5, message: Buffer.from('421 busy\r\n') });
  t.equal(o.user, 'qmaild');
  t.equal(o.localName, '0');
  t.same(o.rules, { kind: 'cdb', path: 'iprules.cdb' });
  t.equal(o.workers, 1);
  t.equal(o.port, 'smtp');
  t.same(o.program, ['rblsmtpd', '-B', '-t', '300', 'mailfront-smtpd']);
  t.match(ok(['-hpE', '-i', 'peers', '-t', '60', '-b', '5', '', '25', 'x']), { lookupRemote: true, paranoid: true, noEnv: true, rules: { kind: 'dir', path: 'peers' }, expireSeconds: 60, backlog: 5, host: '' });
  t.same(ok(['-l', '', '--', '0', '25', 'x']).localName, '', '-l "" is kept: no lookup, no TCPLOCALHOST');
});

t.test('-C above -c is clamped to -c', async (t) => {
  t.equal(ok(['-c', '3', '-C', '10', '0', '25', 'x']).perHost?.limit, 3);
});

t.test('usage errors', async (t) => {
  for (const argv of [[], ['0'], ['0', '25'], ['-c', '0', '0', '25', 'x'], ['-c', 'many', '0', '25', 'x'], ['-C', 'x', '0', '25', 'x'], ['-i', 'a', '-x', 'b', '0', '25', 'x'], ['-q', '0', '25', 'x'], ['-c'], ['-w', '0', '0', '25', 'x']]) {
    t.equal(parseOptions(argv).kind, 'usage', argv.join(' '));
  }
  t.same(parseOptions(['-V']), { kind: 'version' });
  t.same(parseOptions(['--version']), { kind: 'version' });
  t.same(parseOptions(['--help']), { kind: 'help' });
});

t.test('-C message escapes, as tcpsvd', async (t) => {
  t.same(unescapeMessage('a\\r\\nb\\\\c\\td\\'), Buffer.from('a\r\nb\\c\\td\\'));
  t.same(parseLimit('3'), { limit: 3, message: Buffer.alloc(0) });
  t.same(parseLimit('3:'), { limit: 3, message: Buffer.alloc(0) });
  t.equal(parseLimit(':x'), undefined);
});

t.test('main: --help, --version, usage errors on stderr with status 111', async (t) => {
  const { main } = await import('../src/main.js');
  const { collector } = await import('@mailfront/testkit');
  const { fakePort } = await import('./helpers/port.js');
  const run = async (argv: string[]) => {
    const out = collector();
    const err = collector();
    const code = await main(argv, {}, { stdin: process.stdin, stdout: out.stream, stderr: err.stream }, fakePort());
    return { code, out: out.text(), err: err.text() };
  };
  const help = await run(['--help']);
  t.equal(help.code, 0);
  t.match(help.out, /^Usage: mailfront-tcpsvd \[-hpEvv\]/);
  t.match((await run(['--version'])).out, /^mailfront-tcpsvd \d+\.\d+\.\d+\n$/);
  const usage = await run(['-c', '0', '0', '25', 'x']);
  t.equal(usage.code, 111);
  t.equal(usage.err, 'mailfront-tcpsvd: -c needs a whole number of at least 1, not "0"\nusage: mailfront-tcpsvd [-hpEvv] [-c n] [-C n[:msg]] [-b n] [-u user[:group]] [-l name] [-i dir|-x cdb] [-t sec] [-w n] [--metrics host:port] [--proxy-from cidr,...] host port prog\n');
});

t.test('--metrics HOST:PORT, before the host like the other options', async (t) => {
  const parsed = parseOptions(['--metrics', '127.0.0.1:9100', '-w', '1', '0', '25', 'x']);
  t.match(parsed, { kind: 'ok', options: { metrics: { host: '127.0.0.1', port: 9100 }, workers: 1 } });
  t.match(parseOptions(['--metrics=[::1]:9100', '0', '25', 'x']), { kind: 'ok', options: { metrics: { host: '::1', port: 9100 } } });
  t.match(parseOptions(['0', '25', 'x']), { kind: 'ok', options: { metrics: undefined } }, 'off by default');
  t.match(parseOptions(['--metrics', '9100', '0', '25', 'x']), { kind: 'usage', problem: /^--metrics: not HOST:PORT/ });
  t.match(parseOptions(['--metrics']), { kind: 'usage', problem: 'option --metrics needs HOST:PORT' });
});
