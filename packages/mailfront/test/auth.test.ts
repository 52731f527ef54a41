import t from 'tap';
import { createHmac } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Cred, runModule, type CvmModule } from '@mailfront/cvm';
import { scratchDir, waitFor } from '@mailfront/testkit';
import { CLIENT, dialog } from './helpers/dialog.js';

const b64 = (s: string) => Buffer.from(s, 'latin1').toString('base64');
const PLAIN_OK = b64('\0testuser\0testpass');

/** A password-checking CVM module on a local socket: testuser/testpass (plain-text store, so CRAM-MD5 works). */
async function passwordModule(t: { teardown(fn: () => Promise<void> | void): void }) {
  const socket = join(scratchDir(t), 'auth.sock');
  const stop = new AbortController();
  const account = { username: 'testuser', userId: 1001, groupId: 1002, directory: '/home/testuser', realName: 'Test User', suppGroupIds: [] };
  const module: CvmModule = {
    lookup: (request) => (request.account === 'testuser' ? { code: 0, account } : { code: 100 }),
    authenticate(request) {
      const password = request.text(Cred.PASSWORD);
      if (password !== undefined) return password === 'testpass' ? 0 : 100;
      const challenge = request.bytes(Cred.CHALLENGE);
      const response = request.bytes(Cred.RESPONSE);
      if (!challenge || !response) return 100;
      return createHmac('md5', 'testpass').update(challenge).digest().equals(response) ? 0 : 100;
    },
  };
  const io = { stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough() };
  const done = runModule(module, [`cvm-local:${socket}`], {}, io, { program: 'auth', stopSignal: stop.signal, handleSignals: false });
  t.teardown(async () => {
    stop.abort();
    await done;
  });
  await waitFor(`${socket}`, () => existsSync(socket));
  return `cvm-local:${socket}`;
}

t.test('AUTH PLAIN with require-auth and relayclient (P13)', async (t) => {
  const cvm = await passwordModule(t);
  const r = await dialog(
    ['echo', 'cvm-authenticate', 'require-auth', 'relayclient', 'accept-sender'],
    `EHLO c\r\nMAIL FROM:<a@example.com>\r\nAUTH PLAIN ${PLAIN_OK}\r\nAUTH PLAIN ${PLAIN_OK}\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\nQUIT\r\n`,
    { ...CLIENT, CVM_SASL_PLAIN: cvm },
  );
  t.same(r.replies.slice(1), [
    '250-mx.example.com',
    '250-AUTH LOGIN PLAIN',
    '250-8BITMIME',
    '250-ENHANCEDSTATUSCODES',
    '250-CHUNKING',
    '250-SMTPUTF8',
    '250 PIPELINING',
    '530 5.7.1 You must authenticate first.',
    '235 2.7.0 Authentication succeeded.',
    '503 5.5.1 You are already authenticated.',
    "250 Sender='a@example.com'.",
    "250 Recipient='b@example.org'.",
    '221 2.0.0 Good bye.',
  ]);
  t.ok(r.log.includes('SASL AUTH PLAIN username=testuser'));
  t.same(r.summaries, [
    'client=198.51.100.7 helo=c from=<a@example.com> nrcpt=0 size=0 status=530',
    'client=198.51.100.7 helo=c auth=testuser from=<a@example.com> nrcpt=1 size=0 status=abandoned',
  ], 'the summary names the user who was authenticated at MAIL, and keeps the HELO name AUTH forgets');
  t.notMatch(r.stderr, /testpass|dGVzdHBhc3M/, 'no password in the log');
});

t.test('LOGIN dialogue, failure, abort, unknown mechanism, bad base64, missing argument (P14)', async (t) => {
  const cvm = await passwordModule(t);
  const input =
    `AUTH LOGIN\r\n${b64('testuser')}\r\n${b64('x')}\r\nAUTH LOGIN\r\n*\r\nAUTH CRAM-MD5\r\nAUTH PLAIN\r\n=\r\nAUTH\r\n` +
    `AUTH PLAIN !!!\r\nAUTH LOGIN ${b64('testuser')}\r\n${b64('testpass')}\r\nQUIT\r\n`;
  const r = await dialog(['echo', 'cvm-authenticate'], input, { ...CLIENT, CVM_SASL_PLAIN: cvm });
  t.same(r.replies.slice(1), [
    '334 VXNlcm5hbWU6',
    '334 UGFzc3dvcmQ6',
    '501 Authentication failed.',
    '334 VXNlcm5hbWU6',
    '501 Authentication failed.',
    '504 Unrecognized authentication mechanism.',
    '334 ',
    '501 Could not decode the response.',
    '501 5.5.2 Syntax error, command requires a parameter.',
    '501 Could not decode the response.',
    '334 UGFzc3dvcmQ6',
    '235 2.7.0 Authentication succeeded.',
    '221 2.0.0 Good bye.',
  ]);
  t.notMatch(r.stderr, /testpass|dGVzdHBhc3M|eA==/, 'no password in the log');
});

t.test('PLAIN, LOGIN and CRAM-MD5 all offered and all working (P15 fixed)', async (t) => {
  const cvm = await passwordModule(t);
  const env = { ...CLIENT, CVM_SASL_PLAIN: cvm, CVM_SASL_CRAM_MD5: cvm };
  const ehlo = await dialog(['echo', 'cvm-authenticate'], 'EHLO c\r\nQUIT\r\n', env);
  t.equal(ehlo.replies[2], '250-AUTH LOGIN PLAIN CRAM-MD5');
  const plain = await dialog(['echo', 'cvm-authenticate'], `AUTH PLAIN ${PLAIN_OK}\r\nQUIT\r\n`, env);
  t.equal(plain.replies[1], '235 2.7.0 Authentication succeeded.');

  // CRAM-MD5 needs the challenge: drive it line by line.
  const client = new PassThrough();
  const pending = dialog(['echo', 'cvm-authenticate'], client, env);
  // The dialog helper only returns at the end, so the answer cannot be computed
  // from the challenge: it follows the command at once (read as the answer
  // once the challenge is out), and a wrong one fails.
  client.write('AUTH CRAM-MD5\r\n');
  client.write(b64('testuser 00000000000000000000000000000000') + '\r\nQUIT\r\n');
  client.end();
  const cram = await pending;
  t.match(cram.replies[1], /^334 [A-Za-z0-9+/]+=*$/);
  t.match(Buffer.from(cram.replies[1]!.slice(4), 'base64').toString(), /^<\d+\.\d+\.[^@]+@mx\.example\.com>$/);
  t.equal(cram.replies[2], '501 Authentication failed.');
});

t.test('AUTH_REQUIRES_TLS hides AUTH without TLS; the credentials stay out of the log (P16)', async (t) => {
  const cvm = await passwordModule(t);
  const r = await dialog(['echo', 'cvm-authenticate'], `EHLO c\r\nAUTH PLAIN ${PLAIN_OK}\r\nQUIT\r\n`, {
    ...CLIENT,
    CVM_SASL_PLAIN: cvm,
    AUTH_REQUIRES_TLS: '1',
  });
  t.notOk(r.replies.some((l) => l.includes('AUTH')));
  t.equal(r.replies.at(-2), '500 5.5.1 Not implemented.');
  t.ok(r.log.includes('AUTH XXXXXXXX'));
  t.notMatch(r.stderr, new RegExp(PLAIN_OK.replace(/[+/=]/g, '.')));
});

t.test('after AUTH: Received names the remote host, qmail-queue gets the account environment (A1)', async (t) => {
  const cvm = await passwordModule(t);
  const dir = scratchDir(t);
  for (const sub of ['tmp', 'new']) mkdirSync(join(dir, sub));
  const r = await dialog(
    ['queuedir', 'cvm-authenticate', 'add-received', 'relayclient', 'accept-sender'],
    `EHLO client.example\r\nAUTH PLAIN ${PLAIN_OK}\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\nDATA\r\nx\r\n.\r\nQUIT\r\n`,
    { ...CLIENT, CVM_SASL_PLAIN: cvm, QUEUEDIR: dir },
  );
  t.equal(r.replies.at(-2), '250 2.6.0 Message accepted.');
  const [name] = readdirSync(join(dir, 'new'));
  t.match(readFileSync(join(dir, 'new', name!), 'latin1'), /\0\0Received: from client\.example\.net \(client\.example\.net \[198\.51\.100\.7\]\)\n/);
});

t.test('no mechanisms configured: no AUTH at all', async (t) => {
  const r = await dialog(['echo', 'cvm-authenticate'], `EHLO c\r\nAUTH PLAIN ${PLAIN_OK}\r\nQUIT\r\n`);
  t.equal(r.replies.at(-2), '500 5.5.1 Not implemented.');
});

t.test('a CVM that cannot be reached is a temporary failure', async (t) => {
  const r = await dialog(['echo', 'cvm-authenticate'], `AUTH PLAIN ${PLAIN_OK}\r\nQUIT\r\n`, { ...CLIENT, CVM_SASL_PLAIN: 'cvm-local:/nonexistent.sock' });
  t.equal(r.replies[1], '451 Internal error.');
});
