import t from 'tap';
import { ACCEPTED, answerFor, GOODBYE, GREETING, holdRefusal, refusalLine } from '../src/refusal.js';
import { fakeIo } from './helpers.js';

t.test('the refusal line: cut to 200 reason bytes, non-printables become ?', async (t) => {
  t.equal(refusalLine(451, 'some reason'), '451 some reason');
  t.equal(refusalLine(553, 'tab\there \xc3\xa9 ' + '0'.repeat(250)), '553 tab?here ?? ' + '0'.repeat(200 - 12));
  t.equal(refusalLine(451, 'x\r\n250 forged'), '451 x??250 forged');
  t.equal(refusalLine(451, ''), '451 ');
});

t.test('answers per verb, case-insensitive, verb up to the first space', async (t) => {
  const r = '451 no';
  const verbs: Array<[string, string]> = [
    ['HELO x', ACCEPTED],
    ['ehlo', ACCEPTED],
    ['MaIl FROM:<a@b>', ACCEPTED],
    ['RSET', ACCEPTED],
    ['noop  x', ACCEPTED],
    ['RCPT TO:<c@d>', r + '\r\n'],
    ['DATA', r + '\r\n'],
    ['VRFY z', r + '\r\n'],
    ['  helo', r + '\r\n'],
    ['HELO\0x', r + '\r\n'],
    ['QUIT\0x', r + '\r\n'],
    ['', r + '\r\n'],
  ];
  for (const [line, reply] of verbs) t.same(answerFor(Buffer.from(line, 'latin1'), r), { reply, quit: false }, JSON.stringify(line));
  t.same(answerFor(Buffer.from('quit now'), r), { reply: GOODBYE, quit: true });
});

t.test('transcript A: the soft refusal dialog', async (t) => {
  const io = fakeIo('HELO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\nNOOP\r\nRSET\r\nEHLO y\r\nVRFY z\r\nQUIT\r\nNOOP\r\n');
  t.equal(await holdRefusal(io, '451 some reason', 5000), 'quit');
  t.equal(
    io.out(),
    [GREETING, ACCEPTED, ACCEPTED, '451 some reason\r\n', '451 some reason\r\n', ACCEPTED, ACCEPTED, ACCEPTED, '451 some reason\r\n', GOODBYE].join(''),
  );
});

t.test('end of input ends the dialog; a last line without LF is not answered', async (t) => {
  const io = fakeIo('HELO x\nRCPT TO:<x>\r\r\nQUIT');
  t.equal(await holdRefusal(io, '553 go', 5000), 'eof');
  t.equal(io.out(), GREETING + ACCEPTED + '553 go\r\n');
});

t.test('-t 0: the refusal once, no greeting, nothing read', async (t) => {
  const io = fakeIo();
  t.equal(await holdRefusal(io, '451 blocked, see http://example/', 0), 'quit');
  t.equal(io.out(), '451 blocked, see http://example/\r\n');
});

t.test('the timer covers the whole conversation, not each command', async (t) => {
  const io = fakeIo();
  // A client that answers every reply with another NOOP is never idle: only
  // a deadline for the whole conversation ends it (a per-command one would
  // hang here). setImmediate lets the event loop, and so the timer, run.
  io.stdout.on('data', () => setImmediate(() => io.stdin.writableEnded || io.stdin.write('NOOP\r\n')));
  const end = await holdRefusal(io, '451 x', 150);
  io.stdin.end();
  t.equal(end, 'timeout');
  t.match(io.out(), /^220 rblsmtpd\.local\r\n(250 rblsmtpd\.local\r\n)*$/);
  // A client that says nothing at all is dropped too.
  t.equal(await holdRefusal(fakeIo(), '451 x', 30), 'timeout');
});

t.test('an overlong command line is answered once, by its verb', async (t) => {
  const io = fakeIo('HELO ' + 'x'.repeat(10000) + '\r\n' + 'y'.repeat(9000) + '\r\nQUIT\r\n');
  await holdRefusal(io, '451 x', 5000);
  t.equal(io.out(), GREETING + ACCEPTED + '451 x\r\n' + GOODBYE);
});
