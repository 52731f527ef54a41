// A qmail-qmtpc-style and a qmail-qmqpc-style client (written from the
// protocol documents, qmtp-client.ts) talk to our mailfront-qmtpd and
// mailfront-qmqpd run by the real tcpserver and tcpsvd on 127.0.0.1, and the
// messages arrive whole in a queue directory. The same clients against
// Debian's mailfront show they speak the protocol, not our dialect of it.
import t from 'tap';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireOracles, scratchDir, startUcspiServer } from '@mailfront/testkit';
import { bundle } from '../helpers/paths.js';
import { sendQmqp, sendQmtp, type Outgoing } from './qmtp-client.js';

const oracles = requireOracles(t, ['tcpserver', 'tcpsvd', 'mailfront']);

function queue(t: { teardown(fn: () => void): void }) {
  const dir = scratchDir(t);
  for (const sub of ['tmp', 'new']) mkdirSync(join(dir, sub));
  return {
    dir,
    env: { PATH: process.env.PATH, QUEUEDIR: dir, QUEUEDIR_NOSYNC: '1' },
    files: () => readdirSync(join(dir, 'new')).map((n) => readFileSync(join(dir, 'new', n), 'latin1')),
  };
}

/** A plugin that refuses recipients whose address starts with `bad`. */
function refuser(t: { teardown(fn: () => void): void }): string {
  const file = join(scratchDir(t), 'refuse-bad.mjs');
  writeFileSync(
    file,
    `export default { name: 'refuse-bad', create: () => ({
       recipient: (arg) => arg.address.startsWith('bad') ? { code: 550, text: '5.1.1 No such user here' } : undefined,
     }) };`,
  );
  return file;
}

/** `sender\0rcpt\0...\0\0Received: ... with PROTO via TCP; date\n` and then the message. */
function parseQueued(file: string) {
  const separator = file.indexOf('\0\0');
  const envelope = file.slice(0, separator).split('\0');
  const body = file.slice(separator + 2);
  const received = /^Received: from 127\.0\.0\.1 \(\[127\.0\.0\.1\]\)\n  by mx\.test \(\[127\.0\.0\.1\]\)\n  with (QM[TQ]P) via TCP; [^\n]+\n/.exec(body);
  return { sender: envelope[0], recipients: envelope.slice(1), protocol: received?.[1], message: received ? body.slice(received[0].length) : body };
}

if (oracles) {
  for (const server of ['tcpserver', 'tcpsvd'] as const) {
    t.test(`qmail-qmtpc-style client through ${server}: both encodings, refusals per recipient`, async (t) => {
      const q = queue(t);
      const s = await startUcspiServer({
        server: oracles[server],
        program: [process.execPath, bundle('mailfront-qmtpd'), 'queuedir', 'add-received', refuser(t), 'accept'],
        env: q.env,
      });
      t.teardown(() => s.stop());
      const messages: Outgoing[] = [
        { message: 'Subject: one\n\nfirst\n', sender: 'a@example.com', recipients: ['b@example.org', 'c@example.org'] },
        { message: 'Subject: two\n\nsecond\n.\nbare\rCR\n', sender: 'a@example.com', recipients: ['d@example.org', 'bad@example.org'], crlf: true },
        { message: 'Subject: bounce\n\nthird\n', sender: '', recipients: ['e@example.org'] },
        { message: 'Subject: nobody\n\nfourth\n', sender: 'a@example.com', recipients: ['bad1@example.org', 'bad2@example.org'] },
      ];
      const answers = await sendQmtp(s.port, messages);
      t.same(
        answers.map((a) => a.map((x) => x.status)),
        [['K', 'K'], ['K', 'D'], ['K'], ['D', 'D']],
      );
      t.equal(answers[0]![0]!.text, '2.6.0 Message accepted.');
      t.equal(answers[1]![1]!.text, '5.1.1 No such user here');
      const stored = q.files().map(parseQueued);
      t.equal(stored.length, 3, 'nothing queued for the message whose recipients were all refused');
      const by = (subject: string) => stored.find((f) => f.message.startsWith(`Subject: ${subject}\n`))!;
      t.same(by('one').recipients, ['b@example.org', 'c@example.org']);
      t.same([by('two').recipients, by('two').message], [['d@example.org'], 'Subject: two\n\nsecond\n.\nbare\rCR\n'], 'CRLF encoding stored as LF');
      t.same([by('bounce').sender, by('bounce').protocol], ['', 'QMTP']);
    });

    t.test(`qmail-qmqpc-style client through ${server}`, async (t) => {
      const q = queue(t);
      const s = await startUcspiServer({
        server: oracles[server],
        program: [process.execPath, bundle('mailfront-qmqpd'), 'queuedir', 'add-received', refuser(t), 'accept'],
        env: q.env,
      });
      t.teardown(() => s.stop());
      const big = 'Subject: big\n\n' + 'x'.repeat(76).concat('\n').repeat(20_000);
      t.same(await sendQmqp(s.port, { message: 'Subject: q\n\nhello\n', sender: 'a@example.com', recipients: ['b@example.org', 'c@example.org'] }), {
        status: 'K',
        text: '2.6.0 Message accepted.',
      });
      t.same(await sendQmqp(s.port, { message: big, sender: 'a@example.com', recipients: ['b@example.org'] }), { status: 'K', text: '2.6.0 Message accepted.' });
      t.same(await sendQmqp(s.port, { message: 'Subject: r\n\nno\n', sender: 'a@example.com', recipients: ['b@example.org', 'bad@example.org'] }), {
        status: 'D',
        text: '5.1.1 No such user here',
      });
      const stored = q.files().map(parseQueued);
      t.equal(stored.length, 2);
      const small = stored.find((f) => f.message.startsWith('Subject: q\n'))!;
      t.same([small.sender, small.recipients, small.protocol, small.message], ['a@example.com', ['b@example.org', 'c@example.org'], 'QMQP', 'Subject: q\n\nhello\n']);
      t.equal(stored.find((f) => f.message.startsWith('Subject: big\n'))!.message, big, 'a 1.5 MB message arrives whole');
    });
  }

  t.test('a QMTP client sends 300 messages on one connection', async (t) => {
    const q = queue(t);
    const s = await startUcspiServer({
      server: oracles.tcpserver,
      program: [process.execPath, bundle('mailfront-qmtpd'), 'queuedir', 'accept'],
      env: q.env,
    });
    t.teardown(() => s.stop());
    const messages: Outgoing[] = Array.from({ length: 300 }, (_, i) => ({
      message: `Message-Id: <${i}@client.test>\n\n${'line of message text\n'.repeat(i % 7 === 0 ? 5000 : 1 + (i % 13))}`,
      sender: `s${i}@client.test`,
      recipients: Array.from({ length: 1 + (i % 3) }, (_, j) => `r${i}.${j}@example.org`),
      crlf: i % 2 === 1,
    }));
    const answers = await sendQmtp(s.port, messages, 60_000);
    t.equal(answers.flat().length, 600);
    t.ok(answers.flat().every((a) => a.status === 'K'), 'every recipient accepted');
    const stored = new Map(
      q.files().map((file) => {
        const p = parseQueued(file);
        return [/^Message-Id: <(\d+)@/.exec(p.message)![1], p];
      }),
    );
    t.equal(stored.size, 300);
    const wrong = messages.filter((m, i) => {
      const f = stored.get(String(i));
      return !f || f.message !== m.message || f.sender !== m.sender || f.recipients.join() !== m.recipients.join();
    });
    t.same(wrong.length, 0, 'each message queued whole with its own envelope');
  });

  t.test('the same clients against Debian mailfront (one recipient per package)', async (t) => {
    const q = queue(t);
    const qmtp = await startUcspiServer({ server: oracles.tcpserver, program: [oracles.mailfront, 'qmtp', 'queuedir', 'accept'], env: q.env });
    t.teardown(() => qmtp.stop());
    const answers = await sendQmtp(qmtp.port, [
      { message: 'one\n', sender: 'a@b', recipients: ['c@d'] },
      { message: 'two\n', sender: 'a@b', recipients: ['e@f'] },
    ]);
    t.same(answers, [[{ status: 'K', text: '2.6.0 Message accepted.' }], [{ status: 'K', text: '2.6.0 Message accepted.' }]]);
    const qmqp = await startUcspiServer({ server: oracles.tcpserver, program: [oracles.mailfront, 'qmqp', 'echo', 'accept'], env: { PATH: process.env.PATH } });
    t.teardown(() => qmqp.stop());
    t.same(await sendQmqp(qmqp.port, { message: 'hello\n', sender: 'a@b', recipients: ['c@d', 'e@f'] }), { status: 'K', text: 'Received 6 bytes.' });
  });
}
