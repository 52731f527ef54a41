// The fuzz harness over the bundles: each binary gets mutated inputs from
// the packages' corpora on a pipe, as tcpsvd would hand it a connection.
// Properties: it ends in time with one of its documented exit statuses and
// never logs an internal error (an exception that escaped). A few inputs
// each in npm test; `npm run fuzz` runs it long (docs/development.md).
import t from 'tap';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeFailure, fuzz, fuzzSettings, loadCorpus, run, scratchDir, type FuzzTarget } from '@mailfront/testkit';
import { bundle, ROOT } from '../helpers/paths.js';

const corpus = (pkg: string, name: string) => loadCorpus(join(ROOT, 'packages', pkg, 'test', 'fuzz-corpus', name));

interface Binary {
  name: string;
  argv: string[];
  env?: NodeJS.ProcessEnv;
  seeds: Buffer[];
  statuses: number[];
}

function target(b: Binary): FuzzTarget {
  return {
    name: `bin-${b.name}`,
    seeds: b.seeds,
    hangMs: 60_000,
    async run(input) {
      const r = await run(process.execPath, [bundle(b.name), ...b.argv], { env: { PATH: process.env.PATH, TCPLOCALHOST: 'mx.example.org', TCPREMOTEIP: '127.0.0.1', ...b.env }, input, timeoutMs: 30_000 });
      if (r.timedOut) throw new Error('no end within 30 s');
      if (!b.statuses.includes(r.status ?? -1)) throw new Error(`exit status ${r.status} (signal ${r.signal})`);
      if (/internal error/i.test(r.stderr.toString('latin1'))) throw new Error(`internal error: ${r.stderr.toString('latin1').slice(0, 300)}`);
    },
  };
}

t.test('binaries over a pipe', async (t) => {
  const dir = scratchDir(t);
  for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(dir, 'Maildir', sub), { recursive: true });
  writeFileSync(join(dir, 'Maildir', 'new', '1.1.host'), 'Subject: one\n\n.dot\nbody\n');
  cpSync(join(dir, 'Maildir', 'new', '1.1.host'), join(dir, 'Maildir', 'cur', '2.2.host:2,S'));
  writeFileSync(join(dir, 'pwfile'), 'testuser:testpass:1:1:T:/nonexistent:/bin/sh\n');
  const binaries: Binary[] = [
    { name: 'mailfront-smtpd', argv: ['echo', 'accept'], seeds: corpus('mailfront', 'smtp'), statuses: [0, 1] },
    { name: 'mailfront-qmtpd', argv: ['echo', 'accept'], seeds: corpus('mailfront', 'qmtp'), statuses: [0, 1, 111] },
    { name: 'mailfront-qmqpd', argv: ['echo', 'accept'], seeds: corpus('mailfront', 'qmqp'), statuses: [0, 1, 111] },
    // TOP and the listing only: without QUIT nothing is changed, with it the copy is changed for the next inputs, which is fine.
    { name: 'mailfront-pop3d', argv: ['maildir', join(dir, 'Maildir')], seeds: corpus('mailfront-pop3d', 'pop3'), statuses: [0, 1] },
    { name: 'rblsmtpd', argv: ['-t', '5', '/bin/false'], env: { RBLSMTPD: 'go away' }, seeds: corpus('mailfront', 'smtp'), statuses: [0] },
    { name: 'cvm-pwfile', argv: [], env: { CVM_PWFILE_PATH: join(dir, 'pwfile') }, seeds: corpus('cvm', 'cvm'), statuses: [0, 1, 2, 3, 4, 5, 6, 7, 100] },
  ];
  const settings = fuzzSettings();
  for (const b of binaries) {
    const report = await fuzz(target(b), settings);
    t.same(report.failures.map(describeFailure), [], `${b.name}: ${report.runs} inputs`);
  }
});
