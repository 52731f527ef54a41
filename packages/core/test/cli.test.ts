import t from 'tap';
import { parseCli, usageText, type CliSpec, type ParsedCli } from '../src/cli.js';
import { collector } from '@mailfront/testkit';

const rbl: CliSpec = {
  program: 'rblsmtpd',
  version: '1.2.3',
  synopsis: '[-b] [-B] [-t SECONDS] [-r ZONE]... PROGRAM [ARGS...]',
  description: 'Refuses SMTP clients listed in DNS.',
  options: [
    { name: 'permanent', short: 'b', description: 'use 553' },
    { name: 'temporary', short: 'B', description: 'use 451' },
    { name: 'timeout', short: 't', value: 'SECONDS', description: 'length of the refusal dialog' },
    { name: 'rbl', short: 'r', value: 'ZONE', repeat: true, description: 'a DNS list' },
  ],
  minArgs: 1,
};

function cli(spec: CliSpec, argv: string[]) {
  const out = collector();
  const err = collector();
  const outcome = parseCli(spec, argv, out.stream, err.stream);
  return { outcome, out: out.text(), err: err.text() };
}

function parsed(spec: CliSpec, argv: string[]): ParsedCli {
  const { outcome } = cli(spec, argv);
  if (outcome.kind !== 'run') throw new Error('expected a run');
  return outcome;
}

t.test('options stop at the first argument, as getopt', async (t) => {
  const p = parsed(rbl, ['-b', '-t', '30', '-r', 'a.example', 'mailfront-smtpd', '-r', 'x']);
  t.same(p.args, ['mailfront-smtpd', '-r', 'x']);
  t.equal(p.options.permanent, true);
  t.equal(p.options.temporary, false);
  t.equal(p.options.timeout, '30', 'values stay strings (minimist would make a number)');
  t.same(p.options.rbl, ['a.example']);
});

t.test('clusters, attached values and -- work as in getopt', async (t) => {
  const p = parsed(rbl, ['-bBt5', '-rzone1', '--rbl', 'zone2', '--rbl=zone3', '--', '-program']);
  t.equal(p.options.timeout, '5');
  t.same(p.options.rbl, ['zone1', 'zone2', 'zone3']);
  t.same(p.args, ['-program']);
  t.same(
    p.given.map((g) => g.name),
    ['permanent', 'temporary', 'timeout', 'rbl', 'rbl', 'rbl'],
  );
});

t.test('options are reported in the order given', async (t) => {
  const p = parsed(rbl, ['-r', 'one', '-b', '-r', '-two', 'prog']);
  t.same(p.given, [
    { name: 'rbl', value: 'one' },
    { name: 'permanent', value: true },
    { name: 'rbl', value: '-two' },
  ]);
  t.same(p.options.rbl, ['one', '-two'], 'a value may start with a dash');
});

t.test('numbers and lone dashes are arguments', async (t) => {
  t.same(parsed(rbl, ['-', '007']).args, ['-', '007']);
  t.same(parsed(rbl, ['007']).args, ['007']);
});

t.test('--help prints usage on stdout and exits 0', async (t) => {
  const r = cli(rbl, ['--help']);
  t.same(r.outcome, { kind: 'exit', code: 0 });
  t.match(r.out, /^Usage: rblsmtpd \[-b\]/);
  t.match(r.out, /-t, --timeout SECONDS +length of the refusal dialog/);
  t.match(r.out, /-h, --help +show this help/);
  t.equal(r.err, '');
  t.same(cli(rbl, ['-h']).outcome, { kind: 'exit', code: 0 });
});

t.test('--version prints the version', async (t) => {
  const r = cli(rbl, ['--version']);
  t.same(r.outcome, { kind: 'exit', code: 0 });
  t.equal(r.out, 'rblsmtpd 1.2.3\n');
  t.equal(cli(rbl, ['-V']).out, 'rblsmtpd 1.2.3\n');
});

t.test('-h and -V stay free for a program that uses them', async (t) => {
  const spec: CliSpec = {
    ...rbl,
    options: [{ name: 'host', short: 'h', value: 'NAME', description: 'host' }],
    minArgs: 0,
  };
  t.equal(parsed(spec, ['-h', 'mx']).options.host, 'mx');
  t.notMatch(usageText(spec), /-h, --help/);
  t.match(usageText(spec), /  --help/);
});

t.test('usage errors go to stderr with status 100', async (t) => {
  for (const [argv, message] of [
    [['-x', 'prog'], /rblsmtpd: unknown option '-x'/],
    [['-bx', 'prog'], /unknown option '-x'/],
    [['--nope', 'prog'], /unknown option '--nope'/],
    [['--t', 'prog'], /unknown option '--t'/],
    [['-t'], /option '-t' needs a value/],
    [['--timeout'], /option '--timeout' needs a value/],
    [[], /missing arguments/],
  ] as Array<[string[], RegExp]>) {
    const r = cli(rbl, argv);
    t.same(r.outcome, { kind: 'exit', code: 100 }, argv.join(' '));
    t.match(r.err, message);
    t.match(r.err, /rblsmtpd: usage: rblsmtpd \[-b\]/);
    t.equal(r.out, '');
  }
});

t.test('too many arguments, and a custom usage status', async (t) => {
  const spec: CliSpec = { program: 'mailfront', version: '1', synopsis: 'A', description: 'd', maxArgs: 1, usageExitCode: 111 };
  const r = cli(spec, ['a', 'b']);
  t.same(r.outcome, { kind: 'exit', code: 111 });
  t.match(r.err, /unexpected argument 'b'/);
  t.same(parsed(spec, ['a']).args, ['a']);
});

t.test('an I/O failure is not reported as a usage error', async (t) => {
  const failing = {
    write() {
      throw new Error('EIO');
    },
  };
  t.throws(() => parseCli(rbl, ['--help'], failing, failing), /EIO/);
});
