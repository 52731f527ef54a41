// The fuzz harness's SMTP, QMTP and QMQP targets: whole in-process sessions
// (echo backend, accept plugin) fed mutated inputs from test/fuzz-corpus, cut
// into random chunks. A few seconds each in npm test; `npm run fuzz` runs
// them long (docs/development.md). Properties: the session ends (no hang,
// no exception), with a documented status, every reply well framed, and no
// internal error logged.
import t from 'tap';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { collector, describeFailure, fuzz, fuzzSettings, loadCorpus, type FuzzTarget } from '@mailfront/testkit';
import type { Env } from '@mailfront/core';
import { runReceiver } from '../src/receiver.js';
import { smtp } from '../src/protocols/smtp/index.js';
import { qmtp } from '../src/protocols/qmtp/index.js';
import { qmqp } from '../src/protocols/qmqp/index.js';
import type { Protocol } from '../src/protocols/protocol.js';

const CORPUS = join(import.meta.dirname, 'fuzz-corpus');
const ENV: Env = { TCPLOCALHOST: 'mx.example.com', TCPREMOTEIP: '198.51.100.7', MAXNOTIMPL: '0', DATABYTES: '100000' };

async function session(protocol: Protocol<unknown>, chunks: Buffer[], env: Env) {
  const out = collector();
  const err = collector();
  const stdin = Readable.from(chunks, { objectMode: false });
  const status = await runReceiver(protocol, { program: 'fuzz', version: '0', description: 'fuzz' }, ['echo', 'counters', 'accept'], env, { stdin, stdout: out.stream, stderr: err.stream });
  return { status, out: out.latin1(), log: err.latin1() };
}

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(what);
}

const smtpTarget: FuzzTarget = {
  name: 'smtp',
  seeds: loadCorpus(join(CORPUS, 'smtp')),
  dictionary: ['MAIL FROM:<a@b>\r\n', 'RCPT TO:<c@d>\r\n', 'DATA\r\n', '\r\n.\r\n', '\n.\n', '\r.\r', 'AUTH PLAIN ', 'EHLO x\r\n', 'RSET\r\n', 'QUIT\r\n', 'STARTTLS\r\n', '<', '>', '"', '\\', 'SIZE=99999999999'],
  async run(input, chunks) {
    const policy = ['reject-cr', 'normalize', 'reject'][chunks.length % 3]!;
    const r = await session(smtp as Protocol<unknown>, chunks, { ...ENV, SMTP_BARE_NEWLINE: policy });
    check([0, 1].includes(r.status), `status ${r.status}`);
    check(!/internal error/i.test(r.log), 'internal error logged');
    check(r.out === '' || r.out.endsWith('\r\n'), 'last reply not ended by CR LF');
    for (const line of r.out.split('\r\n').slice(0, -1)) check(/^\d{3}[ -]/.test(line), `malformed reply line ${JSON.stringify(line.slice(0, 80))}`);
    const replies = r.out.split('\r\n');
    const accepted = replies.filter((l) => l.startsWith('250 Received')).length;
    // A message ends at a DATA body (after its 354) or at BDAT … LAST (CHUNKING, no 354).
    const lastChunks = input.toString('latin1').match(/BDAT +[0-9]+ +LAST/gi)?.length ?? 0;
    check(accepted <= replies.filter((l) => l.startsWith('354')).length + lastChunks, 'more messages than DATA and BDAT LAST commands');
  },
};

/** The answers of a QMTP/QMQP server: netstrings whose first byte is K, Z or D. */
function checkAnswers(out: string): void {
  let at = 0;
  while (at < out.length) {
    const m = /^(\d+):/.exec(out.slice(at, at + 12));
    check(m !== null, `not a netstring at byte ${at}`);
    const length = Number(m![1]);
    const body = out.slice(at + m![0].length, at + m![0].length + length);
    check(/^[KZD]/.test(body), `answer ${JSON.stringify(body.slice(0, 40))}`);
    check(out[at + m![0].length + length] === ',', 'netstring without comma');
    at += m![0].length + length + 1;
  }
}

const framed = (name: string, protocol: Protocol<unknown>): FuzzTarget => ({
  name,
  seeds: loadCorpus(join(CORPUS, name)),
  dictionary: ['0:', '1:', '10:', '99999999999:', ',', '\n', '\r\n', ':,', '3:a@b,'],
  async run(_input, chunks) {
    const r = await session(protocol, chunks, { ...ENV, QMTP_MAX_MESSAGE: '1000000', QMQP_MAX_PACKAGE: '1000000' });
    check([0, 1, 111].includes(r.status), `status ${r.status}`);
    check(!/internal error/i.test(r.log), 'internal error logged');
    checkAnswers(r.out);
  },
});

for (const target of [smtpTarget, framed('qmtp', qmtp as Protocol<unknown>), framed('qmqp', qmqp as Protocol<unknown>)]) {
  t.test(`fuzz ${target.name}`, async (t) => {
    const report = await fuzz(target, fuzzSettings());
    t.same(report.failures.map(describeFailure), [], `${report.runs} inputs`);
  });
}
