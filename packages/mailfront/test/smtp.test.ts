import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { collector, scratchDir } from '@mailfront/testkit';
import { CLIENT, dialog, slowClient } from './helpers/dialog.js';
import { runReceiver } from '../src/receiver.js';
import { smtp } from '../src/protocols/smtp/index.js';
import type { Protocol } from '../src/protocols/protocol.js';

const MESSAGE = 'MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\nDATA\r\n';

t.test('greeting, EHLO capabilities in mailfront order, QUIT', async (t) => {
  const r = await dialog(['echo', 'counters'], 'EHLO c\r\nQUIT\r\n', { ...CLIENT, DATABYTES: '1000' });
  t.same(r.replies, [
    '220 mx.example.com mailfront ESMTP',
    '250-mx.example.com',
    '250-SIZE 1000',
    '250-8BITMIME',
    '250-ENHANCEDSTATUSCODES',
    '250-CHUNKING',
    '250-SMTPUTF8',
    '250 PIPELINING',
    '221 2.0.0 Good bye.',
  ]);
  t.equal(r.status, 0);
  t.match(r.log.at(-1), /^bytes in: 14 bytes out: 175$/);
  const plain = await dialog(['echo'], 'EHLO c\r\nQUIT\r\n', { ...CLIENT, SMTP_CHUNKING: 'no', SMTP_SMTPUTF8: 'off' });
  t.same(plain.replies.slice(2, -1), ['250-8BITMIME', '250-ENHANCEDSTATUSCODES', '250 PIPELINING'], 'SMTP_CHUNKING and SMTP_SMTPUTF8 turn the new keywords off');
});

t.test('a pipelined burst gets every reply, in order', async (t) => {
  const burst = 'EHLO c\r\n' + MESSAGE + 'hello\r\n.\r\nRSET\r\nNOOP\r\n' + MESSAGE + 'again\r\n.\r\nQUIT\r\n';
  const r = await dialog(['echo', 'accept'], burst);
  t.same(
    r.replies.filter((l) => !l.startsWith('250-')).map((l) => l.slice(0, 3)),
    ['220', '250', '250', '250', '354', '250', '250', '250', '250', '250', '354', '250', '221'],
  );
  t.same(r.replies.filter((l) => l.startsWith('250 Received')), ['250 Received 6 bytes.', '250 Received 6 bytes.']);
});

t.test('the input arriving one byte at a time changes nothing', async (t) => {
  const text = 'EHLO c\r\n' + MESSAGE + 'a\r\n..b\r\n.\r\nQUIT\r\n';
  const client = slowClient();
  const result = dialog(['echo', 'accept'], client.stream);
  for (const byte of text) client.send(byte);
  client.end();
  t.same((await result).replies, (await dialog(['echo', 'accept'], text)).replies);
});

t.test('only CR LF . CR LF ends DATA: smuggled commands stay in the message', async (t) => {
  const smuggle = 'x\n.\r\nMAIL FROM:<evil@example.com>\r\nRCPT TO:<v@example.org>\r\nDATA\r\nforged\r\n.\r\nQUIT\r\n';
  const r = await dialog(['echo', 'accept'], MESSAGE + smuggle);
  t.same(r.replies.slice(3), ['354 End your message with a period on a line by itself.', '250 Received 68 bytes.', '221 2.0.0 Good bye.']);
  t.ok(r.log.some((l) => /1 bare LF and 0 bare CR \(policy reject-cr\)/.test(l)));
});

t.test('SMTP_BARE_NEWLINE=reject refuses the message but stays in step', async (t) => {
  const env = { ...CLIENT, SMTP_BARE_NEWLINE: 'reject' };
  for (const body of ['a\nb\r\n.\r\n', 'a\rb\r\n.\r\n', 'clean\r\n' + 'x'.repeat(70000) + '\nmore\r\n.\r\n']) {
    const r = await dialog(['echo', 'accept'], MESSAGE + body + 'NOOP\r\nQUIT\r\n', env);
    t.same(r.replies.slice(4), [
      '550 5.5.2 Message contains a bare CR or LF; lines must end in CR LF.',
      '250 2.3.0 OK',
      '221 2.0.0 Good bye.',
    ]);
  }
  const clean = await dialog(['echo', 'accept'], MESSAGE + 'a\r\n.\r\nQUIT\r\n', env);
  t.equal(clean.replies[4], '250 Received 2 bytes.');
});

t.test('by default a bare CR refuses the message (5.6.0), a bare LF is a line end; normalize keeps the CR', async (t) => {
  for (const body of ['a\rb\r\n.\r\n', 'a\r\n.\r\r\n.\r\n', 'x'.repeat(70000) + '\r', 'y\r']) {
    const full = body.endsWith('.\r\n') ? body : body + 'z\r\n.\r\n';
    const r = await dialog(['echo', 'accept'], MESSAGE + full + 'NOOP\r\nQUIT\r\n');
    t.same(r.replies.slice(4), ['550 5.6.0 Message contains a bare CR; lines must end in CR LF.', '250 2.3.0 OK', '221 2.0.0 Good bye.'], JSON.stringify(body.slice(-10)));
  }
  const lf = await dialog(['echo', 'accept'], MESSAGE + 'a\nb\r\n.\r\nQUIT\r\n');
  t.equal(lf.replies[4], '250 Received 4 bytes.');
  const kept = await dialog(['echo', 'accept'], MESSAGE + 'a\rb\r\n.\r\nQUIT\r\n', { ...CLIENT, SMTP_BARE_NEWLINE: 'normalize' });
  t.equal(kept.replies[4], '250 Received 4 bytes.');
  t.ok(kept.log.some((l) => /0 bare LF and 1 bare CR \(policy normalize\)/.test(l)));
  const typo = await dialog(['echo', 'accept'], 'QUIT\r\n', { ...CLIENT, SMTP_BARE_NEWLINE: 'strict' });
  t.match(typo.replies[0], /^451 4\.3\.0/);
});

t.test('a line over SMTP_MAX_LINE is refused and skipped', async (t) => {
  const r = await dialog(['echo', 'accept'], 'NOOP ' + 'x'.repeat(600) + '\r\nNOOP\r\nQUIT\r\n', { ...CLIENT, SMTP_MAX_LINE: '512' });
  t.same(r.replies.slice(1), ['500 5.5.2 Line too long.', '250 2.3.0 OK', '221 2.0.0 Good bye.']);
});

t.test('an address over 1000 bytes or with NUL is refused', async (t) => {
  const long = 'a'.repeat(1001);
  const r = await dialog(['echo', 'accept'], `MAIL FROM:<${long}>\r\nMAIL FROM:<a\0b>\r\nQUIT\r\n`);
  t.same(r.replies.slice(1, 3), ['501 5.5.2 Address too long.', '501 5.5.2 Syntax error in address parameter.']);
  const rcpt = await dialog(['echo', 'accept'], `MAIL FROM:<>\r\nRCPT TO:<${long}>\r\nRCPT TO:<\0>\r\n`);
  t.same(rcpt.replies.slice(2), ['501 5.5.2 Address too long.', '501 5.5.2 Syntax error in address parameter.']);
});

t.test('idle TIMEOUT: 421 and exit 0; inside DATA: 421 and exit 1', async (t) => {
  const idle = slowClient();
  const r = await dialog(['echo', 'accept'], idle.stream, { ...CLIENT, TIMEOUT: '100ms' });
  t.same(r.replies.slice(1), ['421 4.4.2 mx.example.com Timeout, closing connection.']);
  t.equal(r.status, 0);
  const inData = slowClient();
  inData.send(MESSAGE + 'partial\r\n');
  const d = await dialog(['echo', 'accept'], inData.stream, { ...CLIENT, TIMEOUT: '100ms' });
  t.equal(d.replies.at(-1), '421 4.4.2 mx.example.com Timeout, closing connection.');
  t.equal(d.status, 1);
  t.ok(d.log.includes('Timed out'));
});

t.test('SESSION_TIMEOUT bounds the whole session', async (t) => {
  // The client never stops talking, and TIMEOUT (per command) is far away:
  // only SESSION_TIMEOUT can end the dialog (without it, this test hangs).
  const client = slowClient();
  const timer = setInterval(() => client.send('NOOP\r\n'), 20);
  const r = await dialog(['echo'], client.stream, { ...CLIENT, TIMEOUT: '600', SESSION_TIMEOUT: '250ms' });
  clearInterval(timer);
  t.equal(r.replies.at(-1), '421 4.4.2 mx.example.com Timeout, closing connection.');
});

t.test('a bad setting stops start-up with a 451 and names the variable in the log', async (t) => {
  for (const [name, value] of [
    ['TIMEOUT', 'soon'],
    ['MAXNOTIMPL', '-1'],
    ['SMTP_BARE_NEWLINE', 'strip'],
    ['DATABYTES', '10k'],
  ]) {
    const r = await dialog(['echo', 'counters'], 'QUIT\r\n', { ...CLIENT, [name!]: value! });
    t.same(r.replies, ['451 4.3.0 Mail server configuration error.'], name);
    t.equal(r.status, 1);
    t.match(r.log[0], new RegExp(`^Fatal: ${name}=`));
  }
});

t.test('usage: no backend is status 111; --help and --version', async (t) => {
  const none = await dialog([], '');
  t.equal(none.status, 111);
  t.match(none.stderr, /usage: test BACKEND \[PLUGIN \.\.\.\]/);
  const help = await dialog(['--help'], '');
  t.equal(help.status, 0);
  t.match(help.stdout, /^Usage: test BACKEND/);
});

t.test('external plugins: a file path, a refused package name', async (t) => {
  const dir = scratchDir(t);
  const file = join(dir, 'shout.mjs');
  writeFileSync(
    file,
    `export default { name: 'shout', create: () => ({
       sender: (arg) => { arg.address = arg.address.toUpperCase(); return { code: 250 }; },
       commands: [
         { name: 'XPING', withoutArgument: (ctx) => { ctx.reply({ code: 250, text: 'pong' }); } },
         { name: 'XECHO', withArgument: async (ctx, a) => { ctx.reply({ code: 334, text: a }); const l = await ctx.readLine(); ctx.reply({ code: 250, text: 'got ' + l }); } },
         { name: 'XBYE', withoutArgument: () => false },
         { name: 'NOOP', enabled: () => false, withoutArgument: () => false },
       ],
     }) };`,
  );
  const r = await dialog(['echo', file], 'MAIL FROM:<a@b.c>\r\nxping\r\nXPING now\r\nXECHO\r\nXECHO hi\r\nthere\r\nNOOP\r\nXBYE\r\nQUIT\r\n');
  t.same(r.replies.slice(1), [
    "250 Sender='A@B.C'.",
    '250 pong',
    '501 5.5.2 Syntax error, no parameters allowed.',
    '501 5.5.2 Syntax error, command requires a parameter.',
    '334 hi',
    '250 got there',
    '250 2.3.0 OK',
  ]);
  t.equal(r.status, 1, 'a handler that returns false ends the session with status 1');
  const bad = await dialog(['echo', 'some-package'], 'QUIT\r\n');
  t.same(bad.replies, ['451 4.3.0 Error loading plugin some-package: no built-in plugin of that name']);
  const missing = await dialog(['echo', 'mailfront-plugin-nonexistent'], 'QUIT\r\n');
  t.same(missing.replies, ['451 4.3.0 Error loading plugin mailfront-plugin-nonexistent: no such module']);
  writeFileSync(join(dir, 'empty.mjs'), 'export const x = 1;');
  const empty = await dialog([join(dir, 'empty.mjs')], 'QUIT\r\n');
  t.match(empty.replies[0], /^451 4\.3\.0 Error loading backend .*empty\.mjs: the module exports no plugin/);
  writeFileSync(join(dir, 'broken.mjs'), 'export default {');
  const broken = await dialog(['echo', join(dir, 'broken.mjs')], 'QUIT\r\n');
  t.match(broken.replies[0], /^451 4\.3\.0 Error loading plugin .*broken\.mjs: /);
});

t.test('a plugin init error replaces the greeting; exit 1', async (t) => {
  const dir = scratchDir(t);
  const file = join(dir, 'closed.mjs');
  writeFileSync(file, `export const plugin = { name: 'closed', create: () => ({ init: () => ({ code: 421, text: '4.3.0 closed today' }) }) };`);
  const r = await dialog(['echo', file], 'QUIT\r\n');
  t.same(r.replies, ['421 4.3.0 closed today']);
  t.equal(r.status, 1);
});

t.test('a reset error during MAIL or RSET ends the session (status 0)', async (t) => {
  const dir = scratchDir(t);
  const file = join(dir, 'stuck.mjs');
  writeFileSync(file, `export default { name: 'stuck', create: () => ({ reset: () => ({ code: 451, text: '4.3.0 stuck' }) }) };`);
  for (const command of ['MAIL FROM:<a@b.c>', 'RSET', 'HELO x', 'EHLO x']) {
    const r = await dialog(['echo', file], `${command}\r\nQUIT\r\n`);
    t.same(r.replies.slice(1), ['451 4.3.0 stuck'], command);
    t.equal(r.status, 0);
  }
});

t.test('a HELO hook can answer HELO, and refuse EHLO', async (t) => {
  const dir = scratchDir(t);
  const file = join(dir, 'helo.mjs');
  writeFileSync(
    file,
    `export default { name: 'helo', create: () => ({ helo: (h) => h === 'bad' ? { code: 550, text: '5.7.1 no' } : { code: 250, text: 'hi ' + h } }) };`,
  );
  const r = await dialog(['echo', file], 'HELO x\r\nHELO bad\r\nEHLO bad\r\nQUIT\r\n');
  t.same(r.replies.slice(1, 4), ['250 mx.example.com', '550 5.7.1 no', '550 5.7.1 no']);
});

t.test('a client that never reads its replies is not read further, and is dropped', async (t) => {
  const { Readable, Writable } = await import('node:stream');
  const { runReceiver } = await import('../src/receiver.js');
  const { smtp } = await import('../src/protocols/smtp/index.js');
  const stuck = new Writable({ highWaterMark: 1024, write() {} });
  const log: string[] = [];
  const stderr = new Writable({ write: (c: Buffer, _e, cb) => (log.push(c.toString()), cb()) });
  const noops = 'NOOP\r\n'.repeat(100_000);
  const stdin = Readable.from([Buffer.from(noops)], { objectMode: false });
  const status = await runReceiver(smtp, { program: 't', version: '0', description: '' }, ['echo'], { ...CLIENT, TIMEOUT: '200ms' }, { stdin, stdout: stuck, stderr });
  t.equal(status, 1);
  t.match(log.join(''), /Timed out/);
  // 100,000 commands came in one chunk; replies stopped piling up at the high-water mark.
  t.ok(stuck.writableLength < 2048, `${stuck.writableLength} bytes of replies held`);
});

t.test('the replies to a pipelined batch leave in one write, and no reply waits for the client', async (t) => {
  const writes: string[] = [];
  let wrote: () => void = () => {};
  const stdout = new Writable({
    write(chunk, _e, cb) {
      writes.push(String(chunk));
      wrote();
      cb();
    },
    writev(chunks, cb) {
      writes.push(chunks.map((c) => String(c.chunk)).join(''));
      wrote();
      cb();
    },
  });
  const nextWrite = () => new Promise<string>((resolve) => (wrote = () => resolve(writes.at(-1)!)));
  const client = slowClient();
  const io = { stdin: client.stream, stdout, stderr: collector().stream };
  const greeting = nextWrite();
  const session = runReceiver(smtp as Protocol<unknown>, { program: 'test', version: '0', description: 'test' }, ['echo', 'accept'], CLIENT, io);
  t.match(await greeting, /^220 /);
  let batch = nextWrite();
  client.send('HELO c\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\nDATA\r\n');
  t.same((await batch).split('\r\n').map((l) => l.slice(0, 3)), ['250', '250', '250', '354', ''], 'four replies, one write');
  batch = nextWrite();
  client.send('x\r\n.\r\n');
  t.match(await batch, /^250 Received/, 'the last reply of a batch is not held while the client waits for it');
  batch = nextWrite();
  client.send('NOOP\r\n');
  t.equal(await batch, '250 2.3.0 OK\r\n', 'a lone command is answered at once');
  client.send('QUIT\r\n');
  client.end();
  t.equal(await session, 0);
  t.match(writes.at(-1), /^221 /);
});
