// SMTP smuggling: every separator that public scanners try, inside a
// message body followed by a forged transaction, through mailfront-smtpd
// directly (a pipe) and under the real tcpsvd (with a per-IP exemption from
// a rules cdb too). The message either arrives whole, one message with the
// forged lines inside it, or is refused; never two messages. The C
// mailfront 2.12 gets the same input, and the separators on which it
// queues the forged message are the ones docs/compat.md names.
import t, { type Test } from 'tap';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LineClient, requireOracles, run, scratchDir, startUcspiServer } from '@mailfront/testkit';
import { bundle } from '../helpers/paths.js';

const SEPARATORS: Record<string, string> = {
  'LF . LF': '\n.\n',
  'LF . CR': '\n.\r',
  'CR . LF': '\r.\n',
  'CR . CR': '\r.\r',
  'LF . CR LF': '\n.\r\n',
  'CR . CR LF': '\r.\r\n',
  'CR LF NUL . CR LF': '\r\n\x00.\r\n',
  'CR LF . LF': '\r\n.\n',
  'CR LF . CR': '\r\n.\r',
  'CR LF . CR CR LF': '\r\n.\r\r\n',
  'CR CR LF . CR CR LF': '\r\r\n.\r\r\n',
};

/** mailfront 2.12 ends DATA at these and runs the forged transaction (docs/compat.md). */
const C_SPLITS = ['LF . LF', 'LF . CR LF', 'CR LF . LF'];

const ENVELOPE = 'EHLO client.example\r\nMAIL FROM:<sender@example.com>\r\nRCPT TO:<rcpt@example.org>\r\nDATA\r\n';
const FORGED = 'MAIL FROM:<ceo@example.com>\r\nRCPT TO:<victim@example.org>\r\nDATA\r\nSubject: forged\r\n\r\nforged body\r\n';
const session = (separator: string) => `${ENVELOPE}Subject: real\r\n\r\nreal body${separator}${FORGED}.\r\nQUIT\r\n`;

function queue(t: Test): string {
  const dir = scratchDir(t);
  for (const sub of ['tmp', 'new']) mkdirSync(join(dir, sub));
  return dir;
}


/** What was queued, and the replies to the message (after 354): one 250 or one refusal. */
function verdict(t: Test, dir: string, replies: string, what: string): 'whole' | 'refused' {
  const queued = readdirSync(join(dir, 'new')).map((n) => readFileSync(join(dir, 'new', n), 'latin1'));
  const afterData = replies.split('\r\n').filter((l) => /^\d{3} /.test(l)).slice(5);
  t.ok(queued.length <= 1, `${what}: never two messages (${queued.length})`);
  t.notOk(afterData.some((l) => l.startsWith('354')), `${what}: no second DATA`);
  if (queued.length === 1) {
    t.match(queued[0]!, /real body[\s\S]*MAIL FROM:<ceo@example\.com>[\s\S]*forged body/, `${what}: one whole message, the forged lines inside`);
    t.match(afterData[0], /^250 /, what);
    return 'whole';
  }
  t.match(afterData[0], /^550 5\.6\.0 /, `${what}: refused with 5.6.0`);
  return 'refused';
}

const ENV = { PATH: process.env.PATH, TCPLOCALHOST: 'mx.example.org', TCPREMOTEIP: '127.0.0.1' };
const PROGRAM = ['queuedir', 'accept'];

t.test('direct: whole or refused, never two; LF forms normalised, CR forms refused by default', async (t) => {
  for (const [name, separator] of Object.entries(SEPARATORS)) {
    const dir = queue(t);
    const r = await run(process.execPath, [bundle('mailfront-smtpd'), ...PROGRAM], { env: { ...ENV, QUEUEDIR: dir }, input: session(separator) });
    const outcome = verdict(t, dir, r.stdout.toString('latin1'), name);
    t.equal(outcome, separator.replace(/\r\n/g, '').includes('\r') ? 'refused' : 'whole', `${name}: the documented policy`);
  }
});

t.test('direct, SMTP_BARE_NEWLINE=normalize and reject: still one message or none', async (t) => {
  for (const policy of ['normalize', 'reject']) {
    for (const [name, separator] of Object.entries(SEPARATORS)) {
      const dir = queue(t);
      const r = await run(process.execPath, [bundle('mailfront-smtpd'), ...PROGRAM], { env: { ...ENV, QUEUEDIR: dir, SMTP_BARE_NEWLINE: policy }, input: session(separator) });
      const queued = readdirSync(join(dir, 'new')).length;
      const bare = /(^|[^\r])\n|\r(?!\n)/.test(separator);
      t.equal(queued, policy === 'reject' && bare ? 0 : 1, `${policy}, ${name}`);
      t.notMatch(r.stdout.toString('latin1'), /354[\s\S]*354/, `${policy}, ${name}: one DATA`);
    }
  }
});

const oracles = requireOracles(t, ['tcpsvd', 'mailfront']);
if (oracles) {
  t.test('under tcpsvd, with and without a per-IP SMTP_BARE_NEWLINE=normalize from the rules cdb', async (t) => {
    const rules = join(scratchDir(t), 'iprules');
    mkdirSync(rules);
    writeFileSync(join(rules, '127.0.0.1'), '+SMTP_BARE_NEWLINE=normalize\n');
    const cdb = join(rules, '..', 'iprules.cdb');
    const made = await run(process.execPath, [bundle('iprules-make'), rules, cdb]);
    t.equal(made.status, 0, made.stderr.toString());
    for (const exempt of [false, true]) {
      const dir = queue(t);
      const server = await startUcspiServer({
        server: oracles.tcpsvd,
        serverArgs: exempt ? ['-x', cdb] : [],
        program: [process.execPath, bundle('mailfront-smtpd'), ...PROGRAM],
        env: { PATH: process.env.PATH, QUEUEDIR: dir },
      });
      t.teardown(() => server.stop());
      for (const [name, separator] of Object.entries(SEPARATORS)) {
        const before = readdirSync(join(dir, 'new')).length;
        const client = await LineClient.connect(server.port);
        client.send(session(separator));
        const replies: string[] = [];
        for (let line; (line = await client.readLine(30_000)) !== null; ) replies.push(line);
        const queued = readdirSync(join(dir, 'new')).length - before;
        const refused = replies.some((l) => l.startsWith('550 5.6.0'));
        t.ok(queued + (refused ? 1 : 0) === 1, `${exempt ? 'exempt' : 'default'}, ${name}: one message or one refusal (${queued} queued)`);
        t.equal(replies.filter((l) => l.startsWith('354')).length, 1, `${name}: one DATA`);
        if (exempt) t.notOk(refused, `${name}: the exemption accepts it whole`);
      }
    }
  });

  t.test('mailfront 2.12 on the same input (docs/compat.md)', async (t) => {
    const splits: string[] = [];
    for (const [name, separator] of Object.entries(SEPARATORS)) {
      const dir = queue(t);
      await run(oracles.mailfront, ['smtp', ...PROGRAM], { env: { ...ENV, QUEUEDIR: dir }, input: session(separator) });
      if (readdirSync(join(dir, 'new')).length > 1) splits.push(name);
    }
    t.same(splits, C_SPLITS, 'the C program queues the forged message on these');
  });
}

