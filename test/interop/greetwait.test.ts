// greetwait under the real tcpsvd in front of mailfront-smtpd: early,
// patient, silent and vanishing clients, and GREETWAIT= as an exemption.
import t from 'tap';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LineClient, requireOracles, scratchDir, startUcspiServer } from '@mailfront/testkit';
import { bundle } from '../helpers/paths.js';

const oracles = requireOracles(t, ['tcpsvd']);
const REFUSAL = '554 5.7.1 Protocol violation: you talked before my greeting; closing connection.\r\n';

async function service(t: { teardown(fn: () => Promise<void> | void): void }, env: Record<string, string> = {}) {
  const dir = scratchDir(t);
  for (const sub of ['tmp', 'new']) mkdirSync(join(dir, sub));
  const server = await startUcspiServer({
    server: oracles!.tcpsvd,
    serverArgs: ['-v'],
    program: [process.execPath, bundle('greetwait'), '1', process.execPath, bundle('mailfront-smtpd'), 'queuedir', 'accept'],
    env: { PATH: process.env.PATH, QUEUEDIR: dir, ...env },
  });
  t.teardown(() => server.stop());
  const messages = () => readdirSync(join(dir, 'new')).map((n) => readFileSync(join(dir, 'new', n), 'latin1'));
  return { server, messages };
}

const TRANSACTION = 'EHLO client.example\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\nDATA\r\nSubject: patient\r\n\r\nbody\r\n.\r\nQUIT\r\n';

if (oracles) {
  t.test('early, patient, silent and vanishing clients', async (t) => {
    const { server, messages } = await service(t);

    const early = await LineClient.connect(server.port);
    early.send(TRANSACTION);
    t.equal(await early.readAll(15_000), REFUSAL, 'the 554 arrives whole, then the connection closes');

    const patient = await LineClient.connect(server.port);
    const started = Date.now();
    t.same(await patient.readReply(), ['220 mx.test mailfront ESMTP']);
    t.ok(Date.now() - started >= 900, 'the greeting came after the wait');
    patient.send(TRANSACTION);
    const replies: string[] = [];
    for (let i = 0; i < 6; i++) replies.push((await patient.readReply()).at(-1)!);
    t.same(replies.map((r) => r.slice(0, 3)), ['250', '250', '250', '354', '250', '221']);
    patient.close();

    const silent = await LineClient.connect(server.port);
    t.same(await silent.readReply(), ['220 mx.test mailfront ESMTP'], 'a client that says nothing is greeted');
    silent.send('QUIT\r\n');
    t.same(await silent.readReply(), ['221 2.0.0 Good bye.']);
    silent.close();

    const vanishing = await LineClient.connect(server.port);
    vanishing.end();
    t.equal(await vanishing.readAll(15_000), '');

    t.equal(messages().length, 1);
    t.match(messages()[0], /\0\0Subject: patient\n\nbody\n$/, 'nothing of the patient client was lost');
    await new Promise((r) => setTimeout(r, 300));
    t.match(server.log(), /greetwait\[\d+\]: early talker 127\.0\.0\.1 after \d+\.\d s: "EHLO client\.example\\r\\n/);
    t.match(server.log(), /greetwait\[\d+\]: 127\.0\.0\.1 disconnected after \d+\.\d s, before the greeting/);
    t.equal(server.log().match(/early talker/g)?.length, 1, 'the patient and silent clients are not logged');
  });

  t.test('GREETWAIT= exempts: no wait, even an early talker is served', async (t) => {
    const { server, messages } = await service(t, { GREETWAIT: '' });
    const c = await LineClient.connect(server.port);
    c.send(TRANSACTION);
    t.same(await c.readReply(), ['220 mx.test mailfront ESMTP']);
    await c.readAll(15_000);
    t.equal(messages().length, 1);
  });
}
