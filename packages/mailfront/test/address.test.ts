import t from 'tap';
import { MAX_ADDRESS_LENGTH, parseAddressArgument } from '../src/protocols/smtp/address.js';

const ok = (arg: string) => {
  const r = parseAddressArgument(arg);
  return r.ok ? [r.address, ...r.params] : r.problem;
};

t.test('mailfront 2.12 parsing (reference §2.5, transcripts S8 and S18)', async (t) => {
  t.same(ok('FROM:<>'), ['']);
  t.same(ok('FROM: <a@example.com>'), ['a@example.com']);
  t.same(ok('FROM:a@example.com SIZE=5'), ['a@example.com', 'SIZE=5']);
  t.same(ok('FROM:a@example.com '), ['a@example.com']);
  t.same(ok('FROM'), 'syntax');
  t.same(ok(''), 'syntax');
  t.same(ok('FROM:<a@example.com'), 'syntax', 'no closing bracket');
  t.same(ok('FROM:<"quoted, name"@example.com>'), ['quoted, name@example.com']);
  t.same(ok('FROM:<a\\>b@example.com>'), ['a>b@example.com']);
  t.same(ok('FROM:<@route1,@route2:user@example.com>'), ['user@example.com'], 'source route stripped');
  t.same(ok('FROM:<x@example.com>   P1=a   P2'), ['x@example.com', 'P1=a', '', '', 'P2'], 'runs of spaces give empty params');
  t.same(ok('<x@y.example>'), ['x@y.example'], 'no keyword needed');
  t.same(ok('TO:a@b.example SIZE=1'), ['a@b.example', 'SIZE=1']);
  t.same(ok('FROM:<"a>b"@c>'), ['a>b@c'], 'the terminator does not count inside quotes');
});

t.test('a bracket-less address may end the line (mailfront 2.22)', async (t) => {
  t.same(ok('FROM:a@example.com'), ['a@example.com']);
  t.same(ok('FROM a@example.com'), ['a@example.com']);
  t.same(ok('FROM:'), 'syntax', 'but not an empty one');
  t.same(ok('FROM:"unterminated'), 'syntax');
  t.same(ok('FROM:a\\'), 'syntax', 'a backslash at the end');
});

t.test('NUL bytes and overlong addresses are refused', async (t) => {
  t.same(ok('FROM:<a\0Tvictim@example.com>'), 'syntax');
  t.same(ok(`FROM:<${'a'.repeat(MAX_ADDRESS_LENGTH)}>`), ['a'.repeat(MAX_ADDRESS_LENGTH)]);
  t.same(ok(`FROM:<${'a'.repeat(MAX_ADDRESS_LENGTH + 1)}>`), 'too-long');
});
