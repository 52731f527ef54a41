// The fuzz harness's POP3 target: whole sessions, authentication (USER/PASS,
// SASL) and the Maildir, fed mutated inputs from test/fuzz-corpus cut into
// random chunks. Properties: the session ends (no hang, no exception) with a
// documented status, every status line is well formed, no internal error,
// and without QUIT the Maildir is left exactly as it was.
import t from 'tap';
import { cpSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { collector, describeFailure, fuzz, fuzzSettings, loadCorpus, scratchDir } from '@mailfront/testkit';
import { runPop3d } from '../src/main.js';
import { fakeActions, fakeCvm, maildir } from './helpers.js';

const files = (dir: string) => ['cur', 'new'].flatMap((d) => readdirSync(join(dir, d)).map((n) => `${d}/${n}`)).sort();

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(what);
}

t.test('fuzz pop3', async (t) => {
  const template = maildir(t);
  const scratch = scratchDir(t);
  let n = 0;
  const report = await fuzz(
    {
      name: 'pop3',
      seeds: loadCorpus(join(import.meta.dirname, 'fuzz-corpus', 'pop3')),
      dictionary: ['USER testuser\r\n', 'PASS testpass\r\n', 'AUTH PLAIN ', 'AUTH LOGIN\r\n', 'RETR 1\r\n', 'TOP 2 0\r\n', 'DELE 3\r\n', 'QUIT\r\n', 'LIST\r\n', 'RSET\r\n', '*\r\n', '=', '-1', '4294967297'],
      async run(input, chunks) {
        const dir = join(scratch, `m${n++}`, 'Maildir');
        cpSync(template, dir, { recursive: true });
        const before = files(dir);
        const out = collector();
        const err = collector();
        const { actions } = fakeActions(fakeCvm(dirname(dir)));
        const argv = n % 2 === 0 ? ['maildir', dir] : ['cvm', dir];
        const env = { CVM_SASL_PLAIN: 'fake', TCPLOCALHOST: 'pop.example.com' };
        const status = await runPop3d(argv, env, { stdin: Readable.from(chunks, { objectMode: false }), stdout: out.stream, stderr: err.stream }, actions);
        check([0, 1].includes(status), `status ${status}`);
        check(!/internal error/i.test(err.latin1()), 'internal error logged');
        const text = out.latin1();
        check(text === '' || text.endsWith('\r\n'), 'last line not ended by CR LF');
        check(/^(\+OK|-ERR)/.test(text), 'the first line is a status line');
        if (!/quit/i.test(input.toString('latin1'))) check(files(dir).join() === before.join(), 'the Maildir changed without QUIT');
      },
    },
    fuzzSettings(),
  );
  t.same(report.failures.map(describeFailure), [], `${report.runs} inputs`);
});
