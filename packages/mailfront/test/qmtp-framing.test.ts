// QMTP framing: every die text and its exit status, the length caps,
// input in any chunking, timeouts, and the pieces (recipient list parser,
// CRLF decoder, status letters) on their own.
import t from 'tap';
import { Readable, Writable } from 'node:stream';
import { runReceiver } from '../src/receiver.js';
import { qmtp } from '../src/protocols/qmtp/index.js';
import { CrlfToLf } from '../src/protocols/qmtp/body.js';
import { countRecipients, recipientsOf } from '../src/protocols/qmtp/recipients.js';
import { frameResponse, statusLetter } from '../src/protocols/qmtp/replies.js';
import { ProtocolDie } from '../src/protocols/qmtp/link.js';
import { CLIENT, events, ns, qmtpPackage, qmtpSession, queue, slowClient } from './qmtp-fixtures.js';

const GOOD = qmtpPackage('\nbody\n', 'a@b', ['c@d']);

// Input after one good package → the die text. These are mailfront's texts.
const dies: Array<[string, string]> = [
  ['x:', 'Invalid message body netstring'],
  ['5x', 'Invalid message body netstring'],
  ['0:,', 'Zero length message'],
  ['5:', 'EOF while reading body NL'],
  ['5:\nab', 'EOF while reading body'],
  ['5:\nabcd', 'EOF while reading comma'],
  ['5:\nabcdX', 'Invalid netstring terminator'],
  ['1:\n,', 'EOF while reading sender address'],
  ['1:\n,3:a', 'EOF while reading sender address'],
  ['1:\n,3:abc', 'EOF while reading sender address'],
  ['1:\n,x', 'Invalid sender netstring'],
  ['1:\n,3:abcd', 'Invalid sender netstring'],
  ['1:\n,:,', 'Invalid sender netstring'],
  ['1:\n,0:,', 'EOF while reading recipient list'],
  ['1:\n,0:,4', 'EOF while reading recipient list'],
  ['1:\n,0:,4:1:a,', 'EOF while reading recipient list'],
  ['1:\n,0:,x', 'Invalid recipient netstring'],
  ['1:\n,0:,4:1:a,x', 'Invalid recipient netstring'],
  ['1:\n,0:,4:x:ab,', 'Invalid netstring length'],
  ['1:\n,0:,3::a,,', 'Invalid netstring length'],
  ['1:\n,0:,2:12,', 'Netstring length too long'],
  ['1:\n,0:,5:9:abc,', 'Netstring length too long'],
  ['1:\n,0:,6:1:a,1:,', 'Netstring length too long'],
  ['1:\n,0:,4:1:ab,', 'Netstring missing comma'],
  ['1:\n,0:,3:1:a,', 'Netstring missing comma'],
];

t.test('each framing error is its die: Z text, exit 111, the complete package before it kept', async (t) => {
  const q = queue(t);
  for (const [input, text] of dies) {
    const r = await qmtpSession(['queuedir', 'accept'], GOOD + input, q.env);
    t.equal(r.stdout, ns('K2.6.0 Message accepted.') + ns('Z' + text), JSON.stringify(input));
    t.equal(r.status, 111);
    t.equal(events(r).at(-1), `451 ${text}`);
  }
  t.equal(q.files().length, dies.length, 'one message per session: none from a broken package');
});

t.test('the end of input between packages, even inside a length, is a normal end', async (t) => {
  for (const tail of ['', '1', '12']) {
    const r = await qmtpSession(['echo', 'accept'], GOOD + tail);
    t.equal(r.stdout, '18:KReceived 5 bytes.,');
    t.equal(r.status, 0);
  }
});

t.test('length caps: QMTP_MAX_MESSAGE and QMTP_MAX_ENVELOPE', async (t) => {
  const env = { ...CLIENT, QMTP_MAX_MESSAGE: '10', QMTP_MAX_ENVELOPE: '1024' };
  const fits = await qmtpSession(['echo', 'accept'], qmtpPackage('\n123456789', 'a@b', ['c@d']), env);
  t.equal(fits.stdout, '18:KReceived 9 bytes.,');
  const big = await qmtpSession(['echo', 'accept'], qmtpPackage('\n1234567890', 'a@b', ['c@d']), env);
  t.equal(big.stdout, ns('ZNetstring length too long'));
  t.equal(big.status, 111);
  const many = Array.from({ length: 200 }, (_, i) => `r${i}@x`);
  const list = await qmtpSession(['echo', 'accept'], qmtpPackage('\nm', 'a@b', many), env);
  t.equal(list.stdout, ns('ZNetstring length too long'));
  const sender = await qmtpSession(['echo', 'accept'], qmtpPackage('\nm', 's'.repeat(1025), ['c@d']), env);
  t.equal(sender.stdout, ns('ZNetstring length too long'));
  t.equal(sender.status, 111);
});

t.test('input one byte at a time gives the same answers (CR split from its LF too)', async (t) => {
  const input = qmtpPackage('\rline\r\nnext\r\n', 'a@b', ['c@d', 'e@f']) + qmtpPackage('\nx\n', '', ['g@h']) + '3:\nab';
  const whole = await qmtpSession(['echo', 'accept'], input);
  const client = slowClient();
  const result = qmtpSession(['echo', 'accept'], client.stream);
  for (const byte of input) client.send(byte);
  client.end();
  const slow = await result;
  t.equal(slow.stdout, whole.stdout);
  t.equal(whole.stdout, ns('KReceived 10 bytes.').repeat(2) + ns('KReceived 2 bytes.') + ns('ZEOF while reading comma'));
  t.equal(slow.status, 111);
});

t.test('TIMEOUT: quiet between packages ends the session; inside one it is a die', async (t) => {
  const idle = slowClient();
  const between = qmtpSession(['echo', 'accept'], idle.stream, { ...CLIENT, TIMEOUT: '50ms' });
  idle.send(GOOD);
  const r = await between;
  idle.end();
  t.equal(r.stdout, '18:KReceived 5 bytes.,');
  t.equal(r.status, 0);

  const stuck = slowClient();
  const inside = qmtpSession(['echo', 'accept'], stuck.stream, { ...CLIENT, TIMEOUT: '10s', SESSION_TIMEOUT: '50ms' });
  stuck.send('6:\nbody\n,3:a@');
  const d = await inside;
  stuck.end();
  t.equal(d.stdout, ns('ZEOF while reading sender address'));
  t.equal(d.status, 111);
  t.same(events(d).slice(-2), ['Timed out', '451 EOF while reading sender address']);
});

t.test('a client that stops reading: the next package ends the session, status 111', async (t) => {
  const client = slowClient();
  // The second package arrives once the answer to the first has failed to leave.
  const failing = new Writable({
    write(_c, _e, cb) {
      cb(new Error('EPIPE'));
      client.send(GOOD);
      client.end();
    },
  });
  const err: Buffer[] = [];
  const stderr = new Writable({
    write(c: Buffer, _e, cb) {
      err.push(c);
      cb();
    },
  });
  const done = runReceiver(qmtp, { program: 'test', version: '0', description: '' }, ['echo', 'accept'], CLIENT, { stdin: client.stream, stdout: failing, stderr });
  client.send(GOOD);
  t.equal(await done, 111);
  t.match(Buffer.concat(err).toString(), /: EOF while sending response\n/);
});

t.test('start-up failures are Z netstrings in place of any answer, exit 1', async (t) => {
  const r = await qmtpSession(['nosuch'], GOOD);
  t.match(r.stdout, /^\d+:Z4\.3\.0 Error loading backend nosuch: .*,$/);
  t.equal(r.status, 1);
  for (const [name, value] of [
    ['QMTP_REPLIES', 'all'],
    ['QMTP_MAX_MESSAGE', '0'],
    ['QMTP_MAX_ENVELOPE', '100'],
    ['SESSION_TIMEOUT', 'long'],
  ]) {
    const bad = await qmtpSession(['echo', 'accept'], GOOD, { ...CLIENT, [name!]: value! });
    t.equal(bad.stdout, ns('Z4.3.0 Mail server configuration error.'), name);
    t.equal(bad.status, 1);
  }
});

t.test('K, Z and D: the status letter of each code', async (t) => {
  t.same([100, 199, 200, 250, 354, 399, 400, 451, 499, 500, 554].map(statusLetter), ['Z', 'Z', 'K', 'K', 'K', 'K', 'Z', 'Z', 'Z', 'D', 'D']);
  t.equal(frameResponse({ code: 553, text: 'Go away\nand stay away' }).toString(), '22:DGo away\nand stay away,');
  t.equal(frameResponse({ code: 250, text: '\xe9\0' }).toString('latin1'), '3:K\xe9\0,', 'any byte is safe inside a netstring');
});

t.test('recipient list parser', async (t) => {
  const list = (s: string) => Buffer.from(s, 'latin1');
  t.same([...recipientsOf(list(''))], []);
  t.same(
    [...recipientsOf(list('3:a@b,0:,'))].map((f) => f.address),
    ['a@b', ''],
  );
  t.equal(countRecipients(list('1:a,1:b,1:c,')), 3);
  const long = [...recipientsOf(list(ns('x'.repeat(1001))))][0]!;
  t.same([long.address, long.length, long.problem?.code], ['', 1001, 553]);
  t.throws(() => countRecipients(list('1:a,5')), new ProtocolDie('Netstring length too long'));
  t.throws(() => countRecipients(list('1:a,1;b,')), new ProtocolDie('Invalid netstring length'));
});

t.test('CRLF decoder: CR LF becomes LF anywhere, a lone CR stays', async (t) => {
  const decode = (parts: string[]) => {
    const d = new CrlfToLf();
    return Buffer.concat([...parts.map((p) => d.push(Buffer.from(p, 'latin1'))), d.end()]).toString('latin1');
  };
  t.equal(decode(['a\r\nb\r\n']), 'a\nb\n');
  t.equal(decode(['a\r', '\nb\r', '', 'c\r']), 'a\nb\rc\r');
  t.equal(decode(['\r', '\r', '\n']), '\r\n');
  t.equal(decode(['x\r\r\ny\n']), 'x\r\ny\n');
});

t.test('a stdin stream that fails is the end of input', async (t) => {
  const stdin = new Readable({ read() {} });
  const result = qmtpSession(['echo', 'accept'], stdin);
  stdin.push(Buffer.from(GOOD + '6:\nbo'));
  setImmediate(() => stdin.destroy(new Error('ECONNRESET')));
  const r = await result;
  t.equal(r.stdout, '18:KReceived 5 bytes.,' + ns('ZEOF while reading body'));
});

/** A client that does not read until `release()`: until then no write completes. */
function stalledOutput() {
  const held: Array<(e?: Error | null) => void> = [];
  const parts: Buffer[] = [];
  let reading = false;
  const stream = new Writable({
    highWaterMark: 1,
    write(chunk: Buffer, _e, cb) {
      parts.push(Buffer.from(chunk));
      if (reading) cb();
      else held.push(cb);
    },
    destroy(err, cb) {
      for (const callback of held.splice(0)) callback(new Error('destroyed'));
      cb(err);
    },
  });
  const release = () => {
    reading = true;
    for (const cb of held.splice(0)) cb();
  };
  return { stream, release, text: () => Buffer.concat(parts).toString('latin1') };
}

const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

t.test('a client that does not read its answers: the next package waits for it', async (t) => {
  const out = stalledOutput();
  const client = slowClient();
  const log: string[] = [];
  const err = new Writable({
    write: (c: Buffer, _e, cb) => {
      log.push(c.toString());
      cb();
    },
  });
  const done = runReceiver(qmtp, { program: 'test', version: '0', description: '' }, ['echo', 'accept'], CLIENT, { stdin: client.stream, stdout: out.stream, stderr: err });
  client.send(GOOD + GOOD);
  client.end();
  await turns(50);
  t.equal(log.filter((l) => l.includes('sender <a@b>')).length, 1, 'the second package is not read until the first answer is taken');
  out.release();
  t.equal(await done, 0);
  t.equal(out.text(), '18:KReceived 5 bytes.,'.repeat(2));
  t.equal(log.filter((l) => l.includes('sender <a@b>')).length, 2);
});

t.test('answers that are never taken end the session after TIMEOUT, status 111', async (t) => {
  const out = stalledOutput();
  const client = slowClient();
  const log: Buffer[] = [];
  const err = new Writable({
    write: (c: Buffer, _e, cb) => {
      log.push(c);
      cb();
    },
  });
  const env = { ...CLIENT, TIMEOUT: '50ms' };
  const done = runReceiver(qmtp, { program: 'test', version: '0', description: '' }, ['echo', 'accept'], env, { stdin: client.stream, stdout: out.stream, stderr: err });
  client.send(GOOD + GOOD);
  t.equal(await done, 111);
  client.end();
  t.equal(out.text(), '18:KReceived 5 bytes.,');
  t.match(Buffer.concat(log).toString(), /Timed out\n.*EOF while sending response\n/);
});
