// The mailrules plugin in whole sessions: the reference's R1–R6, every
// code, lists (text and cdb), the relayclient and databytes fields, reset,
// the `&` and `K` codes, and start-up failures.
import t from 'tap';
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeCdb } from '@mailfront/cdb64';
import { scratchDir } from '@mailfront/testkit';
import { CLIENT, dialog } from './helpers/dialog.js';
import { recheckAllNow, ucspiFromEnv } from '@mailfront/core';
import type { PluginContext } from '../src/engine/plugin.js';
import { Session } from '../src/engine/session.js';
import { mailrules } from '../src/plugins/mailrules/index.js';
import { ListLoader, readCapped } from '../src/plugins/mailrules/lists.js';

const dir = scratchDir(t);
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text, 'latin1');
  return path;
};
file('domains', 'example.org\nEXAMPLE.NET\n# comment\n');
const RULES = file(
  'rules',
  [
    '# comment lines and unknown prefixes are ignored',
    ':sender',
    'n*:*:ignored:1000::HEADER_ADD=X-Rule: noop\\,matched,OTHER=1',
    'dspam@*:*:Go away\\nand stay away',
    'zslow@example.com:*',
    'k*@trusted.example:*:Trusted sender',
    ':recipient',
    "d*:*!*:Sorry, we don't allow that here",
    'k*:big@example.org:Big one:20:@RC',
    `k*:[[@${dir}/domains]]:Local domain`,
    'p*:*@pass.example:PASS',
    '',
  ].join('\n'),
);
const env = (rules: string, more: Record<string, string> = {}) => ({ ...CLIENT, MAILRULES: rules, ...more });
const rules = (name: string, text: string) => env(file(name, text));
const middle = (r: { replies: string[] }) => r.replies.slice(1, -1);

t.test('R1: codes, default texts, multi-line, pass, relayclient and databytes fields', async (t) => {
  const r = await dialog(
    ['echo', 'mailrules', 'counters', 'accept-sender'],
    'EHLO c\r\nMAIL FROM:<spam@x.example>\r\nMAIL FROM:<slow@example.com>\r\nMAIL FROM:<a@trusted.example> SIZE=900\r\nRCPT TO:<u%v!w@example.org>\r\nRCPT TO:<x@Example.NET>\r\nRCPT TO:<y@pass.example>\r\nRCPT TO:<z@elsewhere.example>\r\nRCPT TO:<big@example.org>\r\nDATA\r\n0123456789012345678901234567890123456789012345678901234567890\r\n.\r\nEHLO again\r\nQUIT\r\n',
    env(RULES, { DATABYTES: '1000' }),
  );
  t.same(r.replies.slice(8, 18), [
    '553-Go away',
    '553 and stay away',
    '451 Deferred',
    '250 Trusted sender',
    "553 Sorry, we don't allow that here",
    '250 Local domain',
    '550 5.1.0 Mail system is not configured to accept that recipient',
    '550 5.1.0 Mail system is not configured to accept that recipient',
    '250 Big one',
    '354 End your message with a period on a line by itself.',
  ]);
  t.equal(r.replies[18], '552 5.2.3 Sorry, that message exceeds the maximum message length.');
  t.equal(r.replies[20], '250-SIZE 1000', 'reset forgot the rule limit; counters set DATABYTES again');
  t.equal(r.status, 0);
});

t.test('R5: counters before mailrules advertises SIZE 0', async (t) => {
  const r = await dialog(['echo', 'counters', 'mailrules', 'accept'], 'EHLO c\r\nQUIT\r\n', env(RULES, { DATABYTES: '1000' }));
  t.equal(r.replies[2], '250-SIZE 0');
});

t.test('R6: an n rule env item reaches add-received', async (t) => {
  const r = await dialog(
    ['echo', 'mailrules', 'add-received', 'accept'],
    'EHLO client.example\r\nMAIL FROM:<a@trusted.example>\r\nRCPT TO:<x@example.org>\r\nDATA\r\nSubject: t\r\n\r\nbody\r\n.\r\nQUIT\r\n',
    env(RULES),
  );
  t.same(r.replies.slice(7, -2), ['250 Trusted sender', '250 Local domain', '354 End your message with a period on a line by itself.']);
  t.match(r.replies.at(-2), /^250 Received \d+ bytes\.$/);
  t.ok(r.log.includes('X-Rule: noop,matchedReceived: from client.example (client.example.net [198.51.100.7])'), r.log.join('\n'));
});

t.test('R2, R3: start-up failures in place of the greeting', async (t) => {
  const missing = await dialog(['echo', 'mailrules', 'accept'], 'QUIT\r\n', env(join(dir, 'nosuch')));
  t.same(missing.replies, ['421 4.3.0 Could not open $MAILRULES file']);
  t.equal(missing.status, 1);
  t.match(missing.log[0], /^mailrules: cannot read .*nosuch: No such file or directory$/);
  const empty = await dialog(['echo', 'mailrules', 'accept'], 'QUIT\r\n', env(''));
  t.same(empty.replies, ['421 4.3.0 Could not open $MAILRULES file']);
  const directory = await dialog(['echo', 'mailrules', 'accept'], 'QUIT\r\n', env(dir));
  t.same(directory.replies, ['421 4.3.0 Could not open $MAILRULES file']);
  t.match(directory.log[0], /Is a directory$/);
  const bad = await dialog(['echo', 'mailrules', 'accept'], 'QUIT\r\n', rules('bad', '# ok\n:bad\n'));
  t.same(bad.replies, ['421 4.3.0 Syntax error in $MAILRULES']);
  t.equal(bad.log[0], `mailrules: ${dir}/bad:2: unknown selector ":bad" (":sender" or ":recipient")`);
  t.equal(bad.log[1], '421 4.3.0 Syntax error in $MAILRULES');
  const list = await dialog(['echo', 'mailrules', 'accept'], 'QUIT\r\n', rules('nolist', `\nk*:[[${dir}/nolist.txt]]\n`));
  t.same(list.replies, ['421 4.3.0 Error opening file referenced from $MAILRULES']);
  t.equal(list.log[0], `mailrules: ${dir}/nolist:2: cannot read the list ${dir}/nolist.txt: No such file or directory`);
});

t.test('without MAILRULES the plugin does nothing, not even at reset', async (t) => {
  const r = await dialog(['echo', 'counters', 'mailrules', 'accept'], 'EHLO c\r\nMAIL FROM:<a@b.c>\r\nQUIT\r\n', { ...CLIENT, DATABYTES: '5' });
  t.equal(r.replies[2], '250-SIZE 5');
  t.equal(r.replies[8], "250 Sender='a@b.c'.");
});

t.test('warnings for ignored lines name the file and line', async (t) => {
  const r = await dialog(['echo', 'mailrules'], 'MAIL FROM:<a@b.c>\r\nQUIT\r\n', rules('typo', 'K*:*:final\nD*:*\n'));
  t.equal(r.replies[1], '250 final');
  t.same(r.log[0], `Warning: mailrules: ${dir}/typo:2: unknown rule code "D", line ignored (codes: k K d z p n &)`);
});

t.test('negation, !!, empty sender, p stops the walk', async (t) => {
  const e = rules('neg', ':sender\nk!a*:*:not-a\nk!!b*:*:b\nk:*:bounce\n:recipient\np*:*@pass.example\nk*:*@pass.example:never\nk*:!*@x:not-x\n');
  const r = await dialog(
    ['echo', 'mailrules', 'accept-recipient'],
    'MAIL FROM:<c@d>\r\nMAIL FROM:<b@d>\r\nMAIL FROM:<a@d>\r\nMAIL FROM:<>\r\nRCPT TO:<q@pass.example>\r\nRCPT TO:<q@x>\r\nRCPT TO:<q@y>\r\nQUIT\r\n',
    e,
  );
  t.same(middle(r), [
    '250 not-a',
    '250 not-a',
    '550 5.1.0 Mail system is not configured to accept that sender',
    '250 not-a',
    "250 Recipient='q@pass.example'.",
    "250 Recipient='q@x'.",
    '250 not-x',
  ]);
});

t.test('recipient rules test the saved sender; relayclient is appended whatever the code', async (t) => {
  const e = rules('rc', ':recipient\nn*:a@x:::@RC\nn*:a@x:::@RD\nk*:a@x@rc:never\nkboss@*:*:boss\nd*:deny@x::::@Z\n');
  const r = await dialog(
    ['echo', 'accept-sender', 'mailrules', 'accept-recipient'],
    'MAIL FROM:<>\r\nRCPT TO:<A@x>\r\nRCPT TO:<deny@x>\r\nMAIL FROM:<BOSS@Example.com>\r\nRCPT TO:<any@where>\r\nQUIT\r\n',
    e,
  );
  t.same(middle(r), ["250 Sender=''.", "250 Recipient='A@x@RC@RD'.", '553 Rejected', "250 Sender='BOSS@Example.com'.", '250 boss']);
});

t.test('databytes: a rule only lowers the limit; reset forgets it', async (t) => {
  const e = rules('db', 'k*:*:ok:10\nk*:b@x:low:5\nk*:c@x:high:50\n');
  const r = await dialog(
    ['echo', 'mailrules', 'counters', 'accept-recipient'],
    'MAIL FROM:<a@x> SIZE=11\r\nMAIL FROM:<a@x> SIZE=10\r\nRCPT TO:<c@x>\r\nRCPT TO:<b@x>\r\nDATA\r\n123456\r\n.\r\nRSET\r\nMAIL FROM:<a@x> SIZE=11\r\nQUIT\r\n',
    { ...e, DATABYTES: '100' },
  );
  t.same(middle(r), [
    '552 5.2.3 The message would exceed the maximum message size.',
    '250 ok',
    '250 high',
    '250 low',
    '354 End your message with a period on a line by itself.',
    '552 5.2.3 Sorry, that message exceeds the maximum message length.',
    '250 2.3.0 OK',
    '552 5.2.3 The message would exceed the maximum message size.',
  ]);
  const unlimited = await dialog(['echo', 'mailrules', 'counters', 'accept'], 'MAIL FROM:<a@x> SIZE=11\r\nQUIT\r\n', e);
  t.equal(unlimited.replies[1], '552 5.2.3 The message would exceed the maximum message size.', 'no DATABYTES: the rule sets it');
});

t.test('env items: the first entry wins, reset clears them all', async (t) => {
  const e = rules('env', ':sender\nn*:*::::SMTPREJECT=first\\nline,SMTPREJECT=second\nnx@*:*::::SMTPREJECT=\nk*:*\n');
  const r = await dialog(['echo', 'mailrules', 'reject', 'accept'], 'MAIL FROM:<a@b>\r\nMAIL FROM:<x@b>\r\nQUIT\r\n', e);
  t.same(middle(r), ['451-first', '451 line', '451-first', '451 line']);
  const later = rules('env2', ':sender\nnx@*:*::::SMTPREJECT=-\nk*:*\n');
  const r2 = await dialog(['echo', 'mailrules', 'reject', 'accept'], 'MAIL FROM:<x@b>\r\nMAIL FROM:<y@b>\r\nQUIT\r\n', later);
  t.same(middle(r2), ['553 You are not allowed to use this mail server.', '250 OK']);
});

t.test('text lists: whole addresses and @domains; [[@list]] domains only', async (t) => {
  const list = file('list', 'Whole@Example.COM\n@Dom.example\n  spaced@x  \n# c\n\nbare.example\n');
  const e = rules('lists', `:recipient\nk*:[[${list}]]:L\nk*:[[@${list}]]:D\n`);
  const addresses = ['whole@example.com', 'x@dom.example', 'spaced@x', 'y@bare.example', 'bare.example', 'x@y@dom.example', 'dom.example'];
  const r = await dialog(['echo', 'accept-sender', 'mailrules'], 'MAIL FROM:<>\r\n' + addresses.map((a) => `RCPT TO:<${a}>\r\n`).join('') + 'QUIT\r\n', e);
  t.same(r.replies.slice(2, -1), ['250 L', '250 L', '250 L', '250 D', '250 L', '250 L', '550 5.1.0 Mail system is not configured to accept that recipient']);
});

t.test('cdb lists: lower-cased keys, missing is empty, replaced files are seen', async (t) => {
  const cdb = join(dir, 'l.cdb');
  writeCdb(cdb, [['whole@example.com', '1'], ['@dom.example', '1'], ['bare.example', '1'], ['UPPER@x', '1']]);
  const e = rules('cdb', `:recipient\nk*:[[${cdb}]]:L\nk*:[[@${cdb}]]:D\nk*:[[${dir}/missing.cdb]]:M\nk*:[[@${dir}/missing.cdb]]:M2\n`);
  const addresses = ['WHOLE@example.com', 'x@dom.example', 'y@bare.example', 'bare.example', 'UPPER@x', 'zz'];
  const input = 'MAIL FROM:<>\r\n' + addresses.map((a) => `RCPT TO:<${a}>\r\n`).join('') + 'QUIT\r\n';
  const r = await dialog(['echo', 'accept-sender', 'mailrules'], input, e);
  const NO = '550 5.1.0 Mail system is not configured to accept that recipient';
  t.same(r.replies.slice(2, -1), ['250 L', '250 L', '250 D', '250 L', NO, NO]);

  const fresh = join(dir, 'fresh.cdb');
  const e2 = rules('cdb2', `:recipient\nk*:[[${fresh}]]:F\n`);
  const loader = new ListLoader();
  const listed = loader.open(fresh);
  t.notOk(listed.has('a@b'), 'missing: empty');
  writeCdb(join(dir, 'tmp.cdb'), [['a@b', '']]);
  renameSync(join(dir, 'tmp.cdb'), fresh);
  recheckAllNow();
  t.ok(listed.has('a@b'), 'appeared: seen');
  loader.close();
  t.equal((await dialog(['echo', 'accept-sender', 'mailrules'], 'MAIL FROM:<>\r\nRCPT TO:<A@B>\r\nQUIT\r\n', e2)).replies[2], '250 F');
});

t.test('a cdb that cannot be read: start-up error, later a temporary failure', async (t) => {
  const corrupt = file('corrupt.cdb', 'not a cdb');
  const r = await dialog(['echo', 'mailrules', 'accept'], 'QUIT\r\n', rules('corrupt', `k*:[[${corrupt}]]`));
  t.same(r.replies, ['421 4.3.0 Error opening file referenced from $MAILRULES']);
  t.match(r.log[0], /corrupt:1: cannot read the list/);

  const later = join(dir, 'later.cdb');
  writeCdb(later, [['x@y', '']]);
  const log: string[] = [];
  const session = new Session({ env: {}, ucspi: ucspiFromEnv({}), log: { info: (m) => log.push(m), warn: (m) => log.push('Warning: ' + m), fatal: (m) => log.push(m) } });
  const unused = () => {
    throw new Error('not used by mailrules');
  };
  const context: PluginContext = { name: 'mailrules', session, env: { MAILRULES: join(dir, 'later-rules') }, inject: unused, newMessageFile: unused, replaceMessage: unused };
  const hooks = mailrules.create(context);
  writeFileSync(join(dir, 'later-rules'), `:recipient\nk*:[[${later}]]:L\n`);
  t.equal(await hooks.init!(), undefined);
  t.equal(await hooks.sender!({ address: '', params: [] }), undefined);
  t.same(await hooks.recipient!({ address: 'x@y', params: [] }), { code: 250, text: 'L' });
  writeFileSync(later, 'garbage, not a cdb');
  recheckAllNow();
  t.same(await hooks.recipient!({ address: 'x@y', params: [] }), { code: 451, text: '4.3.0 Internal error.' });
  t.match(log.join('\n'), /^Warning: mailrules: /m);
  await hooks.close!();
});

t.test('text list and rules file size caps; non-regular files', async (t) => {
  t.throws(() => readCapped(file('big', 'x'.repeat(100)), 10), /larger than 10 bytes/);
  t.throws(() => readCapped('/dev/null', 10), /not a regular file/);
});

t.test('& (and): the next rule applies only when every & before it matches', async (t) => {
  const list = file('vip', 'boss@example.com\n');
  const e = rules(
    'and',
    `:sender\n&*@example.com\nk[[${list}]]:*:vip\n&x*\n&*@y\nkxx*:*:both\n:recipient\n&*:*@local\nd*:spam*:spam here\n`,
  );
  const r = await dialog(
    ['echo', 'mailrules', 'accept'],
    'MAIL FROM:<boss@example.com>\r\nMAIL FROM:<boss@example.net>\r\nMAIL FROM:<xx1@y>\r\nMAIL FROM:<xx1@z>\r\nRCPT TO:<spam1@local>\r\nRCPT TO:<spam1@remote>\r\nQUIT\r\n',
    e,
  );
  t.same(middle(r), ['250 vip', "250 Sender='boss@example.net'.", '250 both', "250 Sender='xx1@z'.", '553 spam here', "250 Recipient='spam1@remote'."]);
});

t.test('K: accept and skip the plugins after mailrules', async (t) => {
  const e = rules('final', ':sender\nK*@trusted:*:Welcome\nk*:*:ok\n:recipient\nK*:*local\n');
  const r = await dialog(
    ['echo', 'mailrules', 'reject', 'check-fqdn'],
    'MAIL FROM:<a@trusted>\r\nRCPT TO:<b@local>\r\nRCPT TO:<c@remote>\r\nMAIL FROM:<a@other>\r\nQUIT\r\n',
    { ...e, SMTPREJECT: 'go away' },
  );
  t.same(middle(r), ['250 Welcome', '250 OK', '554 5.1.2 Address does not contain a fully qualified domain name', '451 go away']);
});
