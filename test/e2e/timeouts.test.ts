// A client that stops reading is timed out, and then the process is gone:
// mailfront-smtpd, -qmtpd, -pop3d and rblsmtpd under the real tcpsvd, each
// flooded with requests whose answers the client never reads. Before, the
// process stayed about 60 s after its timeout, waiting for bytes that could
// not leave. The deadline below is far above the timeout plus a second (the
// machine may be loaded) and far below that old linger; no other timing is
// asserted.
import t, { type Test } from 'tap';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { requireOracles, scratchDir, startUcspiServer, type UcspiServer } from '@mailfront/testkit';
import { encodeQmtp } from '../interop/qmtp-client.js';
import { bundle } from '../helpers/paths.js';

const oracles = requireOracles(t, ['tcpsvd']);
/** From the connection to tcpsvd's `end` line: the old linger alone was 60 s. */
const DEADLINE_MS = 30_000;

/** Connects, never reads, sends `flood`; resolves with the exit status tcpsvd logs for the session. */
async function floodAndWait(t: Test, server: UcspiServer, flood: Buffer): Promise<number> {
  const socket: Socket = connect(server.port, '127.0.0.1');
  socket.on('error', () => {});
  t.teardown(() => {
    socket.destroy();
  });
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.pause();
  const port = socket.localPort;
  socket.write(flood);
  const started = Date.now();
  for (;;) {
    // Our session is the one whose start line names our port (not the probe startUcspiServer made).
    const pid = new RegExp(`tcpsvd: info: start (\\d+) [^\n]*:${port}\n`).exec(server.log())?.[1];
    const end = pid === undefined ? null : new RegExp(`tcpsvd: info: end ${pid} exit (\\d+)`).exec(server.log());
    if (end) return Number(end[1]);
    if (Date.now() - started > DEADLINE_MS) throw new Error(`still running after ${DEADLINE_MS} ms: ${server.log().slice(-600)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}


if (oracles) {
  const start = async (t: Test, program: string[], env: NodeJS.ProcessEnv) => {
    const server = await startUcspiServer({ server: oracles.tcpsvd, serverArgs: ['-v'], program: [process.execPath, ...program], env: { PATH: process.env.PATH, ...env } });
    t.teardown(() => server.stop());
    return server;
  };

  t.test('mailfront-smtpd: replies not read', async (t) => {
    const server = await start(t, [bundle('mailfront-smtpd'), 'echo', 'counters'], { TIMEOUT: '1' });
    const status = await floodAndWait(t, server, Buffer.from('EHLO client.example\r\n'.repeat(150_000)));
    t.equal(status, 1);
    t.match(server.log(), /mailfront-smtpd\[\d+\]: Timed out\n/);
  });

  t.test('mailfront-qmtpd: answers not read', async (t) => {
    // Every recipient gets the refused sender's long answer: 30 packages of 1000 answer 12 MB.
    const server = await start(t, [bundle('mailfront-qmtpd'), 'echo', 'reject'], { TIMEOUT: '1', REJECT: '-' + 'x'.repeat(400) });
    const recipients = Array.from({ length: 1000 }, (_, i) => `r${i}@example.org`);
    const one = encodeQmtp({ message: 'Subject: x\n\nbody\n', sender: 'a@example.com', recipients });
    const status = await floodAndWait(t, server, Buffer.concat(Array.from({ length: 30 }, () => one)));
    t.equal(status, 111);
    t.match(server.log(), /mailfront-qmtpd\[\d+\]: Timed out\n/);
  });

  t.test('mailfront-pop3d: RETR not read; nothing deleted', async (t) => {
    const dir = join(scratchDir(t), 'Maildir');
    for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(dir, sub), { recursive: true });
    writeFileSync(join(dir, 'new', '1.1.host'), 'Subject: small\n\nx\n');
    writeFileSync(join(dir, 'new', '2.2.host'), 'Subject: big\n\n' + 'y'.repeat(99).concat('\n').repeat(200_000));
    const server = await start(t, [bundle('mailfront-pop3d'), 'maildir', dir], { TIMEOUT: '1' });
    const status = await floodAndWait(t, server, Buffer.from('DELE 1\r\nRETR 2\r\nQUIT\r\n'));
    t.equal(status, 1);
    t.match(server.log(), /mailfront-pop3d\[\d+\]: Timed out: the client stopped reading\n/);
    t.notMatch(server.log(), /internal error|TimeoutError/);
    t.same(readdirSync(join(dir, 'new')).sort(), ['1.1.host', '2.2.host'], 'nothing deleted or moved');
  });

  t.test('rblsmtpd: refusals not read', async (t) => {
    // 200-byte refusals to 3-byte commands: the output fills long before the 1 s is over.
    const server = await start(t, [bundle('rblsmtpd'), '-t', '1', '/bin/false'], { RBLSMTPD: 'go away '.repeat(25) });
    const status = await floodAndWait(t, server, Buffer.from('X\r\n'.repeat(300_000)));
    t.equal(status, 0);
  });
}
