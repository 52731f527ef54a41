// QMQP sessions through the whole receiver: mailfront's transcripts
// (reference A.8), the wrapper check, every die, and the hook order.
import t from 'tap';
import { CLIENT, events, ns, probePlugin, qmqpPackage, qmqpSession, queue, slowClient } from './qmtp-fixtures.js';

const ENV = { TCPLOCALHOST: 'mx.example.com', TCPREMOTEIP: '198.51.100.7' };
const TEST = '42:5:test\n,13:a@example.com,13:b@example.com,,';

t.test('QMQP1: one message, one answer', async (t) => {
  const r = await qmqpSession(['echo', 'accept'], '49:11:Subject: t\n,13:a@example.com,13:b@example.org,,', ENV);
  t.equal(r.stdout, '19:KReceived 11 bytes.,');
  t.equal(r.status, 0);
  t.same(r.log, ['Subject: t', 'sender <a@example.com>', 'recipient <b@example.org>', 'bytes in: 53 bytes out: 23']);
});

t.test('QMQP2: a refused sender is the answer; recipients are still read and logged', async (t) => {
  const r = await qmqpSession(['echo'], TEST, ENV);
  t.equal(r.stdout, '58:D5.1.0 Mail system is not configured to accept that sender,');
  t.same(events(r), ['test', 'sender <a@example.com>', 'recipient <b@example.com>', '550 5.1.0 Mail system is not configured to accept that sender']);
});

t.test('QMQP3: one package per connection; what follows is never read', async (t) => {
  const r = await qmqpSession(['echo', 'accept'], TEST + TEST, ENV);
  t.equal(r.stdout, '18:KReceived 5 bytes.,');
  t.equal(r.status, 0);
  t.equal(events(r).length, 3);
});

t.test('QMQP4, QMQP5: a bad wrapper, input cut short before the end', async (t) => {
  const bad = await qmqpSession(['echo', 'accept'], 'abc', ENV);
  t.equal(bad.stdout, '26:ZInvalid wrapper netstring,');
  t.equal(bad.status, 111);
  const cut = await qmqpSession(['echo', 'accept'], TEST.slice(0, -1), ENV);
  t.equal(cut.stdout, '33:ZEOF before end of recipient list,');
  t.equal(cut.status, 111);
  t.same(events(cut), ['test', 'sender <a@example.com>', 'recipient <b@example.com>', '451 EOF before end of recipient list']);
});

t.test('QMQP6: a multi-line answer is one netstring with LFs', async (t) => {
  const env = { ...ENV, PROBE_SENDER: '553 Go away\\nand stay away' };
  const r = await qmqpSession(['echo', probePlugin(t), 'accept'], '43:5:test\n,14:spam@x.example,13:b@example.com,,', env);
  t.equal(r.stdout, '22:DGo away\nand stay away,');
  t.same(events(r).slice(-2), ['553 Go away', '553 and stay away']);
});

t.test('QMQP7, QMQP8: the wrapper length must match the package exactly', async (t) => {
  const short = await qmqpSession(['echo', 'accept'], '1:5:test\n,13:a@example.com,13:b@example.com,,', ENV);
  t.equal(short.stdout, '26:ZInvalid wrapper netstring,');
  t.equal(short.status, 111);
  // The reference's QMQP8 declares 26 bytes for a 25-byte package.
  const recorded = await qmqpSession(['echo', 'accept'], '26:5:test\n,13:a@example.com,,', ENV);
  t.equal(recorded.stdout, '26:ZInvalid wrapper netstring,');
  const exact = await qmqpSession(['echo', 'accept'], '25:5:test\n,13:a@example.com,,', ENV);
  t.equal(exact.stdout, '18:KReceived 5 bytes.,', 'no recipients at all: message end still runs');
  t.equal(exact.status, 0);
});

// Input → the die text (mailfront's texts; the wrapper ones are ours).
const dies: Array<[string, string]> = [
  ['4:x', 'Invalid message body netstring'],
  ['4:', 'EOF while reading body'],
  ['9:5', 'EOF while reading body'],
  ['4:5', 'Invalid wrapper netstring'],
  ['9:0:,', 'Zero length message'],
  ['9:5:test', 'EOF while reading body'],
  ['9:5:test\n', 'EOF while reading comma'],
  ['9:5:test\nx', 'Invalid netstring terminator'],
  ['20:5:test\n,', 'EOF while reading sender address'],
  ['20:5:test\n,1:a', 'EOF while reading sender address'],
  ['20:5:test\n,1:ab', 'Invalid sender netstring'],
  ['20:5:test\n,x', 'Invalid sender netstring'],
  ['20:5:test\n,0:,', 'EOF before end of recipient list'],
  ['20:5:test\n,0:,1', 'EOF while reading recipient list'],
  ['20:5:test\n,0:,1:a', 'EOF while reading recipient list'],
  ['20:5:test\n,0:,1:ab', 'Invalid recipient netstring'],
  ['20:5:test\n,0:,x', 'Invalid recipient netstring'],
  ['15:5:test\n,0:,1:a,x', 'Invalid wrapper netstring'],
  ['15:5:test\n,0:,1:a,', 'EOF before end of recipient list'],
  ['16:5:test\n,0:,1:a,,', 'Invalid wrapper netstring'],
  ['14:5:test\n,0:,1:a,,', 'Invalid wrapper netstring'],
  ['12:5:test\n,0:,1:a,,', 'Invalid wrapper netstring'],
  ['9:5:test\n,,', 'Invalid sender netstring'],
  ['6:5:test\n,,', 'Invalid wrapper netstring'],
  ['3:5:test\n,,', 'Invalid wrapper netstring'],
  ['9:6:test\n,,', 'Invalid wrapper netstring'],
];

t.test('each framing error is its die: Z text, exit 111, nothing queued', async (t) => {
  const q = queue(t);
  for (const [input, text] of dies) {
    const r = await qmqpSession(['queuedir', 'accept'], input, q.env);
    t.equal(r.stdout, ns('Z' + text), JSON.stringify(input));
    t.equal(r.status, 111);
    t.equal(events(r).at(-1), `451 ${text}`);
  }
  t.same(q.files(), []);
});

t.test('nothing, or part of the wrapper length, is a normal end', async (t) => {
  for (const input of ['', '4']) {
    const r = await qmqpSession(['echo', 'accept'], input);
    t.same([r.stdout, r.status], ['', 0]);
  }
});

t.test('after a refused recipient, the rest are read and logged but not looked at', async (t) => {
  const q = queue(t);
  const r = await qmqpSession(['queuedir', 'counters', probePlugin(t), 'accept'], qmqpPackage('hi\n', 's@x', ['a@x', 'bad@x', 'c@x']), { ...q.env, MAXRCPTS: '2' });
  t.equal(r.stdout, ns('D5.1.1 No such user bad@x'), 'not MAXRCPTS: c@x never reached counters');
  t.same(events(r).slice(-4), ['recipient <a@x>', 'recipient <bad@x>', 'recipient <c@x>', '550 5.1.1 No such user bad@x']);
  t.same(q.files(), []);
});

t.test('the message is queued with its envelope after its comma', async (t) => {
  const q = queue(t);
  const r = await qmqpSession(['queuedir', 'add-received', 'accept'], qmqpPackage('Subject: q\n\nbody\n', 'a@b', ['c@d', 'e@f']), q.env);
  t.equal(r.stdout, '24:K2.6.0 Message accepted.,');
  const [file] = q.files();
  t.match(file, /^a@b\0c@d\0e@f\0\0Received: from client\.example\.net \(client\.example\.net \[198\.51\.100\.7\]\)\n  by mx\.example\.com \(\[192\.0\.2\.1\]\)\n  with QMQP via TCP; .*\nSubject: q\n\nbody\n$/);
});

t.test('addresses with NUL or over 1000 bytes refuse the message', async (t) => {
  const long = 'x'.repeat(1001);
  const cases: Array<[string, string[], string]> = [
    [long, ['a@x'], 'D5.1.7 Sender address too long.'],
    ['a\0b', ['a@x'], 'D5.1.7 Sender address contains a NUL byte.'],
    ['a@b', ['ok@x', long], 'D5.1.3 Recipient address too long.'],
    ['a@b', ['n\0ul@x', 'ok@x'], 'D5.1.3 Recipient address contains a NUL byte.'],
    ['caf\xe9@x', ['a@x'], 'D5.1.7 Sender address is not valid UTF-8.'],
    ['a@b', ['ok@x', '\xc0\xafx@x'], 'D5.1.3 Recipient address is not valid UTF-8.'],
  ];
  for (const [sender, recipients, answer] of cases) {
    const r = await qmqpSession(['echo', 'accept'], qmqpPackage('m\n', sender, recipients));
    t.equal(r.stdout, ns(answer));
    t.equal(r.status, 0);
  }
});

t.test('failed reset, data start or message end; a plugin that throws', async (t) => {
  const probe = probePlugin(t);
  const input = qmqpPackage('m\n', 's@x', ['a@x']);
  for (const [hook, value, answer] of [
    ['RESET', '451 4.3.0 Not now', 'Z4.3.0 Not now'],
    ['DATASTART', '451 4.3.0 Not now', 'Z4.3.0 Not now'],
    ['MESSAGEEND', '554 5.7.1 No', 'D5.7.1 No'],
    ['DATABLOCK', 'throw', 'Z4.3.0 Internal error.'],
    ['RECIPIENT', 'throw', 'Z4.3.0 Internal error.'],
  ] as const) {
    const r = await qmqpSession(['echo', probe, 'accept'], input, { ...CLIENT, [`PROBE_${hook}`]: value });
    t.equal(r.stdout, ns(answer), hook);
  }
});

t.test('QMQP_MAX_PACKAGE caps the wrapper', async (t) => {
  const input = qmqpPackage('0123456789\n', 'a@b', ['c@d']);
  const env = { ...CLIENT, QMQP_MAX_PACKAGE: String(input.length - 5) };
  const r = await qmqpSession(['echo', 'accept'], input, env);
  t.equal(r.stdout, ns('ZNetstring length too long'));
  t.equal(r.status, 111);
  const bad = await qmqpSession(['echo', 'accept'], input, { ...CLIENT, QMQP_MAX_PACKAGE: '0' });
  t.equal(bad.stdout, ns('Z4.3.0 Mail server configuration error.'));
  t.equal(bad.status, 1);
});

t.test('input one byte at a time gives the same answer', async (t) => {
  const input = qmqpPackage('line 1\nline 2\n', 'a@b', ['c@d', 'e@f']);
  const client = slowClient();
  const result = qmqpSession(['echo', 'accept'], client.stream);
  for (const byte of input) client.send(byte);
  client.end();
  t.equal((await result).stdout, ns('KReceived 14 bytes.'));
});

t.test('TIMEOUT: quiet before the package ends the session; inside it is a die', async (t) => {
  const idle = slowClient();
  const before = await qmqpSession(['echo', 'accept'], idle.stream, { ...CLIENT, TIMEOUT: '50ms' });
  idle.end();
  t.same([before.stdout, before.status], ['', 0]);
  const stuck = slowClient();
  const inside = qmqpSession(['echo', 'accept'], stuck.stream, { ...CLIENT, TIMEOUT: '50ms' });
  stuck.send('40:5:test\n,');
  const d = await inside;
  stuck.end();
  t.equal(d.stdout, ns('ZEOF while reading sender address'));
  t.equal(d.status, 111);
});

t.test('UTF-8 addresses (SMTPUTF8 mail relayed by QMQP) pass to the plugins as they are', async (t) => {
  const utf8 = (text: string) => Buffer.from(text, 'utf8').toString('latin1');
  const r = await qmqpSession(['echo', 'accept'], qmqpPackage('m\n', utf8('jörg@bücher.example'), [utf8('ñ@español.example')]));
  t.equal(r.stdout, ns('KReceived 2 bytes.'));
  t.ok(r.log.some((l) => l.startsWith('sender <j')), 'the sender reached the hooks');
});
