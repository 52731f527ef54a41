import t from 'tap';
import { CommandLog, HIDDEN_LINE, loggableVerb } from '../src/command-log.js';

t.test('AUTH, PASS and APOP never show their arguments, whatever the separator or case', async (t) => {
  const log = new CommandLog();
  for (const sep of [' ', '\t', '  ', '\x0b', '\0', ':']) {
    t.equal(log.seen(`pass${sep}s3cret`, true), 'PASS XXXXXXXX');
    t.equal(log.seen(`Pass${sep}s3cret`, false), 'PASS XXXXXXXX');
    t.equal(log.seen(`APOP${sep}joe${sep}digest`, false), 'APOP XXXXXXXX');
    t.equal(log.seen(`auth${sep}PLAIN${sep}AHRlc3Q=`, false), 'AUTH XXXXXXXX');
  }
  t.equal(log.seen('PASS', true), 'PASS');
  t.equal(log.seen('AUTH  ', true), 'AUTH');
});

t.test('an unknown command is logged by its verb only, at most 16 name characters', async (t) => {
  const log = new CommandLog();
  t.equal(log.seen('xclient name=foo addr=1.2.3.4', false), 'XCLIENT');
  t.equal(log.seen('A'.repeat(40) + ' x', false), 'A'.repeat(16));
  t.equal(log.seen('dGVzdA+/dGVzdA==', false), 'DGVZDA');
  t.equal(log.seen('\x01\x02', false), '[unknown command]');
  t.equal(log.seen('MAIL FROM:<a@b>', true), 'MAIL FROM:<a@b>', 'a known command is the protocol\'s to log');
  t.equal(loggableVerb('ehlo\tx'), 'EHLO');
});

t.test('lines during or just after an AUTH exchange are hidden until a known command', async (t) => {
  const log = new CommandLog();
  t.equal(log.seen('AUTH LOGIN', false), 'AUTH XXXXXXXX');
  t.equal(log.seen('am9l', false), HIDDEN_LINE);
  t.equal(log.seen('c2VjcmV0', false), HIDDEN_LINE);
  t.equal(log.seen('AUTH PLAIN', true), 'AUTH XXXXXXXX', 'another AUTH keeps the window open');
  t.equal(log.seen('*', false), HIDDEN_LINE);
  t.equal(log.seen('NOOP', true), 'NOOP');
  t.equal(log.seen('BOGUS x', false), 'BOGUS', 'closed again');
});
