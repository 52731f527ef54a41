import t from 'tap';
import { Readable } from 'node:stream';
import { collector } from '@mailfront/testkit';
import { main } from '../src/main.js';
import pkg from '../package.json' with { type: 'json' };

async function call(argv: string[], input: string, env: Record<string, string> = {}) {
  const out = collector();
  const err = collector();
  const status = await main(argv, env, { stdin: Readable.from([Buffer.from(input, 'latin1')], { objectMode: false }), stdout: out.stream, stderr: err.stream });
  return { status, stdout: out.latin1(), stderr: err.latin1() };
}

t.test('runs one QMQP package and answers once', async (t) => {
  const r = await call(['echo', 'accept'], '42:5:test\n,13:a@example.com,13:b@example.com,,');
  t.equal(r.stdout, '18:KReceived 5 bytes.,');
  t.equal(r.status, 0);
  t.match(r.stderr, /^mailfront-qmqpd\[\d+\]: test\nmailfront-qmqpd\[\d+\]: sender <a@example\.com>\n/);
});

t.test('a wrapper that does not match its package is refused', async (t) => {
  const r = await call(['echo', 'accept'], '1:5:test\n,13:a@example.com,13:b@example.com,,');
  t.equal(r.stdout, '26:ZInvalid wrapper netstring,');
  t.equal(r.status, 111);
});

t.test('--version, --help, and the usage status of mailfront (111)', async (t) => {
  t.equal((await call(['--version'], '')).stdout, `mailfront-qmqpd ${pkg.version}\n`);
  t.match((await call(['--help'], '')).stdout, /^Usage: mailfront-qmqpd BACKEND \[PLUGIN \.\.\.\]/);
  const none = await call([], '');
  t.equal(none.status, 111);
  t.match(none.stderr, /mailfront-qmqpd: missing arguments/);
});
