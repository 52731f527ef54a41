// CHUNKING / BDAT (RFC 3030) in whole sessions: delivery through the same
// hooks as DATA, the sequence rules, errors in the middle of a chunk,
// pipelining, and the bare-newline policy shared with DATA.
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scratchDir } from '@mailfront/testkit';
import { parseBdat } from '../src/protocols/smtp/bdat.js';
import { CLIENT, dialog, slowClient } from './helpers/dialog.js';
import { queueCapture } from './helpers/queue-capture.js';

const ENVELOPE = 'EHLO c\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\n';
/** Replies after the greeting and the EHLO lines. */
const afterEhlo = (r: { replies: string[] }) => r.replies.filter((l) => !l.startsWith('250-')).slice(2);
/** Replies after those to ENVELOPE's MAIL and RCPT. */
const afterEnvelope = (r: { replies: string[] }) => afterEhlo(r).slice(2);

const bdat = (chunk: string | Buffer, last = false) => {
  const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk;
  return Buffer.concat([Buffer.from(`BDAT ${bytes.length}${last ? ' LAST' : ''}\r\n`), bytes]);
};
const session = (...parts: Array<string | Buffer>) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : p)));

t.test('parseBdat: size and LAST, nothing else', async (t) => {
  t.same(parseBdat('10'), { size: 10, last: false });
  t.same(parseBdat('007 last'), { size: 7, last: true });
  t.same(parseBdat('0 LAST  '), { size: 0, last: true });
  t.same(parseBdat('1234567890123456'), { size: Infinity, last: false });
  for (const bad of ['', 'x', '-1', '5 LAST extra', '5LAST', '5 FIRST', '+5', '5.0']) t.equal(parseBdat(bad), undefined, bad);
});

t.test('EHLO offers CHUNKING; a message in chunks reaches qmail-queue byte for byte (CR LF as LF)', async (t) => {
  const q = queueCapture(t);
  // Every byte value, with CR LF pairs split across chunk boundaries and dot lines that DATA would unstuff.
  const binary = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  const chunks = [Buffer.from('Subject: bin\r\n\r\n..x\r\n.\r'), Buffer.from('\n'), binary, Buffer.from('\r\nend\r\n')];
  // The binary block holds a bare CR, which the default policy (reject-cr) refuses; normalize keeps every byte.
  const r = await dialog(['qmail', 'accept'], session(ENVELOPE, bdat(chunks[0]!), bdat(chunks[1]!), bdat(chunks[2]!), bdat(chunks[3]!, true), 'QUIT\r\n'), { ...q.env, SMTP_BARE_NEWLINE: 'normalize' });
  t.ok(r.replies.includes('250-CHUNKING'));
  const replies = afterEnvelope(r);
  t.same(replies.slice(0, 3), ['250 2.0.0 23 bytes received.', '250 2.0.0 1 bytes received.', '250 2.0.0 256 bytes received.']);
  t.match(replies[3], /^250 2\.6\.0 Accepted message qp \d+ bytes 281$/);
  const expected = Buffer.concat([Buffer.from('Subject: bin\n\n..x\n.\n'), binary, Buffer.from('\nend\n')]);
  t.same(q.read('msg'), expected, 'no dot-unstuffing, CR LF became LF, every other byte kept');
  t.equal(q.read('env')!.toString('latin1'), 'Fa@example.com\0Tb@example.org\0\0');
  t.ok(r.log.some((l) => l === 'message had 1 bare LF and 1 bare CR (policy normalize)'), 'bytes 10 and 13 of the binary block are counted');
});

t.test('BDAT 0 LAST: an empty message; a last line without line end gets one', async (t) => {
  const empty = await dialog(['echo', 'accept'], session(ENVELOPE, 'BDAT 0 LAST\r\nQUIT\r\n'));
  t.same(afterEnvelope(empty), ['250 Received 0 bytes.', '221 2.0.0 Good bye.']);
  const zero = await dialog(['echo', 'accept'], session(ENVELOPE, 'BDAT 0\r\n', bdat('x'), 'BDAT 0 LAST\r\nQUIT\r\n'));
  t.same(afterEnvelope(zero), ['250 2.0.0 0 bytes received.', '250 2.0.0 1 bytes received.', '250 Received 2 bytes.', '221 2.0.0 Good bye.']);
  const q = queueCapture(t);
  await dialog(['qmail', 'accept'], session(ENVELOPE, bdat('no newline\r', true), 'QUIT\r\n'), { ...q.env, SMTP_BARE_NEWLINE: 'normalize' });
  t.equal(q.read('msg')!.toString('latin1'), 'no newline\r\n', 'a CR held at the end is a bare CR, then the line is ended');
  const refused = await dialog(['echo', 'accept'], session(ENVELOPE, bdat('no newline\r', true), 'QUIT\r\n'));
  t.same(afterEnvelope(refused), ['550 5.6.0 Message contains a bare CR; lines must end in CR LF.', '221 2.0.0 Good bye.'], 'by default that bare CR refuses the message');
});

t.test('a pipelined burst of transactions in chunks: every reply, in order, nothing lost', async (t) => {
  const burst = session(
    ENVELOPE,
    bdat('Subject: one\r\n'),
    bdat('\r\nQUIT\r\n', true),
    'MAIL FROM:<c@example.com>\r\nRCPT TO:<d@example.org>\r\n',
    bdat('MAIL FROM:<evil@example.com>\r\n', true),
    'DATA\r\nMAIL FROM:<e@example.com>\r\nRCPT TO:<f@example.org>\r\nDATA\r\nthree\r\n.\r\nQUIT\r\n',
  );
  const r = await dialog(['echo', 'accept'], burst);
  t.same(afterEnvelope(r), [
    '250 2.0.0 14 bytes received.',
    '250 Received 19 bytes.',
    "250 Sender='c@example.com'.",
    "250 Recipient='d@example.org'.",
    '250 Received 29 bytes.',
    '503 5.5.1 You must send MAIL FROM: first',
    "250 Sender='e@example.com'.",
    "250 Recipient='f@example.org'.",
    '354 End your message with a period on a line by itself.',
    '250 Received 6 bytes.',
    '221 2.0.0 Good bye.',
  ]);
  const slow = slowClient();
  const result = dialog(['echo', 'accept'], slow.stream);
  for (const byte of burst) slow.send(String.fromCharCode(byte));
  slow.end();
  t.same((await result).replies, r.replies, 'the same, one byte at a time');
});

t.test('out of sequence: chunks are read and dropped, the client stays in step', async (t) => {
  const noMail = await dialog(['echo', 'accept'], session('EHLO c\r\n', bdat('QUIT\r\n'), 'MAIL FROM:<a@b.c>\r\n', bdat('RSET\r\n', true), 'NOOP\r\nQUIT\r\n'));
  t.same(afterEhlo(noMail), ['503 5.5.1 You must send MAIL FROM: first', "250 Sender='a@b.c'.", '503 5.5.1 You must send RCPT TO: first', '250 2.3.0 OK', '221 2.0.0 Good bye.']);
  const mixed = await dialog(
    ['echo', 'accept'],
    session(ENVELOPE, bdat('part\r\n'), 'DATA\r\nMAIL FROM:<x@y.z>\r\nRCPT TO:<x@y.z>\r\n', bdat('end\r\n', true), bdat('after last\r\n', true), 'QUIT\r\n'),
  );
  t.same(afterEnvelope(mixed), [
    '250 2.0.0 6 bytes received.',
    '503 5.5.1 A BDAT message is in progress: send BDAT LAST or RSET first.',
    '503 5.5.1 A BDAT message is in progress: send BDAT LAST or RSET first.',
    '503 5.5.1 A BDAT message is in progress: send BDAT LAST or RSET first.',
    '250 Received 9 bytes.',
    '503 5.5.1 You must send MAIL FROM: first',
    '221 2.0.0 Good bye.',
  ]);
  const reset = await dialog(['echo', 'accept'], session(ENVELOPE, bdat('dropped\r\n'), 'RSET\r\nMAIL FROM:<a@b.c>\r\nRCPT TO:<d@e.f>\r\nDATA\r\nkept\r\n.\r\nQUIT\r\n'));
  t.same(afterEnvelope(reset).slice(1), ['250 2.3.0 OK', "250 Sender='a@b.c'.", "250 Recipient='d@e.f'.", '354 End your message with a period on a line by itself.', '250 Received 5 bytes.', '221 2.0.0 Good bye.']);
});

t.test('an error in the middle of a chunk: the rest is read, later chunks get the same error, LAST ends it', async (t) => {
  const big = 'x'.repeat(30) + '\r\n';
  const r = await dialog(
    ['echo', 'counters', 'accept'],
    session(ENVELOPE, bdat(big + 'QUIT\r\n'), bdat('more\r\n'), bdat('end\r\n', true), 'NOOP\r\n', 'MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\n', bdat('small\r\n', true), 'QUIT\r\n'),
    { ...CLIENT, DATABYTES: '20' },
  );
  const tooBig = '552 5.2.3 Sorry, that message exceeds the maximum message length.';
  t.same(afterEnvelope(r), [tooBig, tooBig, tooBig, '250 2.3.0 OK', "250 Sender='a@example.com'.", "250 Recipient='b@example.org'.", '250 Received 6 bytes.', '221 2.0.0 Good bye.']);
});

t.test('a refusal at the first chunk (dataStart) is the answer to every chunk of the message', async (t) => {
  const r = await dialog(['echo', 'counters', 'accept'], session(ENVELOPE, 'RCPT TO:<c@example.org>\r\n', bdat('a\r\n'), bdat('b\r\n', true), 'QUIT\r\n'), { ...CLIENT, MAXRCPTS: '1', MAXRCPTS_REJECT: '' });
  t.same(afterEnvelope(r), ['550 5.5.3 Too many recipients', '550 5.5.3 Too many recipients', '550 5.5.3 Too many recipients', '221 2.0.0 Good bye.']);
});

t.test('SMTP_BARE_NEWLINE=reject applies to BDAT as to DATA', async (t) => {
  const env = { ...CLIENT, SMTP_BARE_NEWLINE: 'reject' };
  const refused = '550 5.5.2 Message contains a bare CR or LF; lines must end in CR LF.';
  const lf = await dialog(['echo', 'accept'], session(ENVELOPE, bdat('a\nb\r\n'), bdat('c\r\n', true), 'NOOP\r\nQUIT\r\n'), env);
  t.same(afterEnvelope(lf), [refused, refused, '250 2.3.0 OK', '221 2.0.0 Good bye.']);
  const cr = await dialog(['echo', 'accept'], session(ENVELOPE, bdat('trailing CR\r', true), 'QUIT\r\n'), env);
  t.same(afterEnvelope(cr), [refused, '221 2.0.0 Good bye.'], 'a CR at the very end is bare too');
  const split = await dialog(['echo', 'accept'], session(ENVELOPE, bdat('a\r'), bdat('\nb\r\n', true), 'QUIT\r\n'), env);
  t.same(afterEnvelope(split), ['250 2.0.0 2 bytes received.', '250 Received 4 bytes.', '221 2.0.0 Good bye.'], 'CR LF across chunks is not bare');
});

t.test('a bad BDAT line or a chunk over SMTP_MAX_CHUNK ends the session; without CHUNKING BDAT is unknown', async (t) => {
  for (const line of ['BDAT', 'BDAT x', 'BDAT 5 LAST now', 'BDAT -1']) {
    const r = await dialog(['echo', 'accept'], session(ENVELOPE, `${line}\r\nQUIT\r\n`));
    t.same(afterEnvelope(r), ['521 5.5.4 Syntax: BDAT size [LAST]; closing connection.'], line);
    t.equal(r.status, 1);
  }
  const huge = await dialog(['echo', 'accept'], session(ENVELOPE, 'BDAT 70000\r\nQUIT\r\n'), { ...CLIENT, SMTP_MAX_CHUNK: '65536' });
  t.same(afterEnvelope(huge), ['552 5.3.4 BDAT chunk over 65536 bytes; closing connection.']);
  t.equal(huge.status, 1);
  const absurd = await dialog(['echo', 'accept'], session(ENVELOPE, 'BDAT 99999999999999999999 LAST\r\n'));
  t.match(afterEnvelope(absurd)[0], /^552 5\.3\.4 BDAT chunk over 268435456 bytes/);
  const off = await dialog(['echo', 'accept'], session(ENVELOPE, bdat('NOOP\r\n'), 'QUIT\r\n'), { ...CLIENT, SMTP_CHUNKING: '0' });
  t.notOk(off.replies.includes('250-CHUNKING'));
  t.same(afterEnvelope(off), ['500 5.5.1 Not implemented.', '250 2.3.0 OK', '221 2.0.0 Good bye.']);
  const bad = await dialog(['echo'], 'QUIT\r\n', { ...CLIENT, SMTP_MAX_CHUNK: '100' });
  t.same(bad.replies, ['451 4.3.0 Mail server configuration error.']);
});

t.test('the connection lost inside a chunk: nothing is delivered', async (t) => {
  const q = queueCapture(t);
  const r = await dialog(['qmail', 'accept'], session(ENVELOPE, 'BDAT 100 LAST\r\nonly part of it'), q.env);
  t.equal(r.status, 1);
  t.ok(r.log.includes('Connection dropped'));
  t.equal(q.read('env')?.length ?? 0, 0, 'qmail-queue never got an envelope, so it queued nothing');
});

t.test('BODY=BINARYMIME is refused: the queue stores lines, not binary', async (t) => {
  const r = await dialog(['echo', 'accept'], 'MAIL FROM:<a@b.c> BODY=BINARYMIME\r\nMAIL FROM:<a@b.c> BODY=8BITMIME\r\nQUIT\r\n');
  t.same(r.replies.slice(1, 3), ['555 5.5.4 BODY=BINARYMIME is not supported.', "250 Sender='a@b.c'. [BODY=8BITMIME]"]);
  t.notOk(r.replies.includes('250-BINARYMIME'));
});

t.test('patterns see a BDAT message as they see a DATA one', async (t) => {
  const dir = scratchDir(t);
  const patterns = join(dir, 'patterns');
  writeFileSync(patterns, '=No executables (#5.3.4)\n\\TVqQAAMAA*\n');
  const r = await dialog(['echo', 'patterns', 'accept'], session(ENVELOPE, bdat('Subject: x\r\n\r\nTVqQ'), bdat('AAMAAxyz\r\n', true), 'QUIT\r\n'), { ...CLIENT, PATTERNS: patterns });
  t.equal(afterEnvelope(r)[1], '554 No executables (#5.3.4)');
});
