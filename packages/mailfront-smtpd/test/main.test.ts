import t from 'tap';
import { Readable, Writable } from 'node:stream';
import { main } from '../src/main.js';
import pkg from '../package.json' with { type: 'json' };

function sink() {
  const parts: Buffer[] = [];
  return {
    stream: new Writable({
      write(c: Buffer, _e, cb) {
        parts.push(Buffer.from(c));
        cb();
      },
    }),
    text: () => Buffer.concat(parts).toString(),
  };
}

async function call(argv: string[], input: string, env: Record<string, string> = {}) {
  const out = sink();
  const err = sink();
  const status = await main(argv, env, { stdin: Readable.from([Buffer.from(input)], { objectMode: false }), stdout: out.stream, stderr: err.stream });
  return { status, stdout: out.text(), stderr: err.text() };
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
