import t from 'tap';
import { classifyAddresses, isListErrorCode, printableText } from '../src/index.js';

t.test('127/8 answers list', async (t) => {
  t.same(classifyAddresses(['127.0.0.2']), { kind: 'listed', codes: ['127.0.0.2'] });
  t.same(classifyAddresses(['127.0.0.4', '127.0.0.10']), { kind: 'listed', codes: ['127.0.0.4', '127.0.0.10'] });
});

t.test('127.255.255.0/24 is an error from the list', async (t) => {
  t.ok(isListErrorCode('127.255.255.254'));
  t.notOk(isListErrorCode('127.255.254.255'));
  t.match(classifyAddresses(['127.255.255.254']), { kind: 'list-error', detail: /127\.255\.255\.254 \(query through a public/ });
  t.match(classifyAddresses(['127.255.255.252']), { detail: /typo/ });
  t.match(classifyAddresses(['127.255.255.255']), { detail: /excessive/ });
  t.match(classifyAddresses(['127.255.255.1']), { kind: 'list-error', detail: 'list error code 127.255.255.1' });
  t.match(classifyAddresses(['127.0.0.2', '127.255.255.254']), { kind: 'list-error' }, 'one error code spoils the answer');
});

t.test('answers outside 127/8 are errors (wildcarding dead list)', async (t) => {
  t.match(classifyAddresses(['192.0.2.1']), { kind: 'list-error', detail: 'answer 192.0.2.1 is outside 127.0.0.0/8' });
  t.match(classifyAddresses(['127.0.0.2', '10.0.0.1']), { kind: 'list-error' });
});

t.test('printableText cuts and replaces as rblsmtpd does', async (t) => {
  t.equal(printableText('tab\there \xc3\xa9 x', 200), 'tab?here ?? x');
  t.equal(printableText('0'.repeat(250), 200), '0'.repeat(200));
  t.equal(printableText('a\r\n553 forged', 200), 'a??553 forged');
  t.equal(printableText('\x7f~ ', 200), '?~ ');
  t.equal(printableText('\u0141', 200), '?');
});
