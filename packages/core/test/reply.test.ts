import t from 'tap';
import { formatSmtpReply, isError, isPermanent, isTemporary, reply, splitLines } from '../src/reply.js';

t.test('single-line and multi-line SMTP replies', async (t) => {
  t.equal(formatSmtpReply({ code: 250, text: '2.3.0 OK' }), '250 2.3.0 OK\r\n');
  t.equal(
    formatSmtpReply({ code: 503, text: '5.5.0 Too many unimplemented commands.\n5.5.0 Closing connection.' }),
    '503-5.5.0 Too many unimplemented commands.\r\n503 5.5.0 Closing connection.\r\n',
  );
});

t.test('reply() puts the enhanced status code on every line', async (t) => {
  const r = reply(553, '5.7.1', 'Go away\nand stay away');
  t.same(r, { code: 553, text: '5.7.1 Go away\n5.7.1 and stay away' });
  t.equal(formatSmtpReply(r), '553-5.7.1 Go away\r\n553 5.7.1 and stay away\r\n');
});

t.test('control bytes cannot forge a reply line', async (t) => {
  t.equal(formatSmtpReply({ code: 451, text: 'listed\r\n250 ok\x00' }), '451-listed?\r\n451 250 ok?\r\n');
  t.same(splitLines('a\tb'), ['a\tb'], 'tab is kept');
});

t.test('classification', async (t) => {
  t.notOk(isError({ code: 250, text: '' }));
  t.ok(isError({ code: 451, text: '' }));
  t.ok(isTemporary({ code: 451, text: '' }));
  t.notOk(isTemporary({ code: 550, text: '' }));
  t.ok(isPermanent({ code: 550, text: '' }));
  t.notOk(isPermanent({ code: 421, text: '' }));
});
