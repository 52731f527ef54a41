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

t.test('runs a QMTP session: one answer per recipient', async (t) => {
  const r = await call(['echo', 'accept'], '6:\nbody\n,13:a@example.com,34:13:b@example.org,13:c@example.org,,');
  t.equal(r.stdout, '18:KReceived 5 bytes.,18:KReceived 5 bytes.,');
  t.equal(r.status, 0);
  t.match(r.stderr, /^mailfront-qmtpd\[\d+\]: body\nmailfront-qmtpd\[\d+\]: sender <a@example\.com>\n/);
});

t.test('a framing error is a Z netstring and exit 111', async (t) => {
  const r = await call(['echo', 'accept'], 'x:');
  t.equal(r.stdout, '31:ZInvalid message body netstring,');
  t.equal(r.status, 111);
});

t.test('--version, --help, and the usage status of mailfront (111)', async (t) => {
  t.equal((await call(['--version'], '')).stdout, `mailfront-qmtpd ${pkg.version}\n`);
  t.match((await call(['--help'], '')).stdout, /^Usage: mailfront-qmtpd BACKEND \[PLUGIN \.\.\.\]/);
  const none = await call([], '');
  t.equal(none.status, 111);
  t.match(none.stderr, /mailfront-qmtpd: missing arguments/);
});
