import t from 'tap';
import { Readable } from 'node:stream';
import { collector } from '@mailfront/testkit';
import { main } from '../src/main.js';
import pkg from '../package.json' with { type: 'json' };

async function call(argv: string[], input: string, env: Record<string, string> = {}) {
  const out = collector();
  const err = collector();
  const status = await main(argv, env, { stdin: Readable.from([Buffer.from(input)], { objectMode: false }), stdout: out.stream, stderr: err.stream });
  return { status, stdout: out.latin1(), stderr: err.latin1() };
}

t.test('runs an SMTP session with the given backend and plugins', async (t) => {
  const r = await call(['echo', 'accept'], 'MAIL FROM:<a@b.c>\r\nQUIT\r\n', { TCPLOCALHOST: 'mx.test' });
  t.equal(r.stdout, "220 mx.test mailfront ESMTP\r\n250 Sender='a@b.c'.\r\n221 2.0.0 Good bye.\r\n");
  t.equal(r.status, 0);
  t.match(r.stderr, /^mailfront-smtpd\[\d+\]: MAIL FROM:<a@b\.c>\n/);
});

t.test('--version, --help, and the usage status of mailfront (111)', async (t) => {
  t.equal((await call(['--version'], '')).stdout, `mailfront-smtpd ${pkg.version}\n`);
  t.match((await call(['--help'], '')).stdout, /^Usage: mailfront-smtpd BACKEND \[PLUGIN \.\.\.\]/);
  const none = await call([], '');
  t.equal(none.status, 111);
  t.match(none.stderr, /mailfront-smtpd: missing arguments/);
});
