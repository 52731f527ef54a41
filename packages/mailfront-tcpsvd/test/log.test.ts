import t from 'tap';
import { collector } from '@mailfront/testkit';
import { createListenerLog, logAddress, logField, logInstructions } from '../src/log.js';

t.test('fields and instructions are shown as tcpsvd shows them', async (t) => {
  t.equal(logField('mx host:1\x01\xff'), 'mx?host?1??');
  t.equal(logField('a'.repeat(120)), 'a'.repeat(100) + '...(truncate)');
  t.equal(logInstructions('+A=1\0+B=\x07\0C1:x'), '+A=1,+B=?,C1:x');
  t.equal(logInstructions('x'.repeat(150)), 'x'.repeat(140) + '...(truncate)');
  t.equal(logAddress('192.0.2.1'), '192.0.2.1');
  t.equal(logAddress('2001:db8::1'), '[2001:db8::1]');
});

t.test('info only with -v, on stdout; the rest on stderr, always', async (t) => {
  const out = collector();
  const err = collector();
  const quiet = createListenerLog(0, out.stream, err.stream);
  quiet.info('hidden');
  quiet.warn('w');
  quiet.drop('d');
  quiet.fatal('f\nforged line');
  t.equal(out.text(), '');
  t.equal(err.text(), 'mailfront-tcpsvd: warning: w\nmailfront-tcpsvd: drop: d\nmailfront-tcpsvd: fatal: f?forged line\n');
  createListenerLog(1, out.stream, err.stream).info('shown');
  t.equal(out.text(), 'mailfront-tcpsvd: info: shown\n');
});
