import t from 'tap';
import { PassThrough } from 'node:stream';
import { collector } from '@mailfront/testkit';
import { createLogger, escapeLogText } from '../src/log.js';

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
