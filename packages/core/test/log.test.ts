import t from 'tap';
import { PassThrough } from 'node:stream';
import { collector } from '@mailfront/testkit';
import { createLogger, escapeLogText, fitLogLine } from '../src/log.js';
import { PIPE_BUF } from '../src/log-stream.js';

t.test('one line per event, program[pid]: text', async (t) => {
  const { stream, text } = collector();
  const log = createLogger('mailfront-smtpd', stream, 42);
  log.info('MAIL FROM:<a@b>');
  log.warn('slow DNS');
  log.fatal('cannot start');
  t.equal(
    text(),
    'mailfront-smtpd[42]: MAIL FROM:<a@b>\n' +
      'mailfront-smtpd[42]: Warning: slow DNS\n' +
      'mailfront-smtpd[42]: Fatal: cannot start\n',
  );
});

t.test('peer text cannot start a forged log line', async (t) => {
  t.equal(escapeLogText('RCPT TO:<x>\r\nmailfront[1]: fake\t\x00\x7f'), 'RCPT TO:<x>\\r\\nmailfront[1]: fake\\t\\x00\\x7f');
  const stream = new PassThrough();
  createLogger('p', stream).info('a\nb');
  t.match(stream.read()!.toString(), /^p\[\d+\]: a\\nb\n$/);
});

t.test('a destroyed stream is not written', async (t) => {
  const stream = new PassThrough();
  stream.destroy();
  createLogger('p', stream, 1).info('x');
  t.pass('no throw');
});

t.test('a line longer than PIPE_BUF is cut to fit, on a character boundary, saying how much is left out', async (t) => {
  t.equal(fitLogLine('short\n'), 'short\n');
  const exact = 'x'.repeat(PIPE_BUF - 1) + '\n';
  t.equal(fitLogLine(exact), exact, 'exactly PIPE_BUF bytes stays');
  const long = 'p[1]: ' + 'é'.repeat(5000) + '\n';
  const cut = fitLogLine(long);
  t.ok(Buffer.byteLength(cut) <= PIPE_BUF, `${Buffer.byteLength(cut)} bytes`);
  t.match(cut, /^p\[1\]: é+ \[\d+ more bytes\]\n$/);
  const kept = Buffer.byteLength(cut.slice(0, cut.indexOf(' [')));
  t.equal(Number(/\[(\d+) more/.exec(cut)![1]), Buffer.byteLength(long) - 1 - kept, 'the count is exact');
  const { stream, text } = collector();
  createLogger('p', stream, 1).info('y'.repeat(10_000));
  t.ok(Buffer.byteLength(text()) <= PIPE_BUF, 'createLogger writes fitted lines');
});
