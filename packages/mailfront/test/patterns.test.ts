// The patterns plugin in whole sessions: R4, PATTERNS_RESP, the `/`
// marker, PATTERNS_LINEMAX, re-reading, and PATTERNS set by a mail rule.
import t from 'tap';
import { unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scratchDir } from '@mailfront/testkit';
import { recheckAllNow, ucspiFromEnv } from '@mailfront/core';
import { CLIENT, dialog } from './helpers/dialog.js';
import type { PluginContext } from '../src/engine/plugin.js';
import { Session } from '../src/engine/session.js';
import { patterns } from '../src/plugins/patterns/index.js';
import { PatternsSource } from '../src/plugins/patterns/patterns-file.js';

const dir = scratchDir(t);
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text, 'latin1');
  return path;
};
const PATTERNS = file('patterns', '# patterns file\n=We do not accept executables (#5.3.4)\n\\TVqQAAMAA*\n=Spam phrase\n:Subject:*viagra*\n/*forbidden*\n');
const message = (body: string) => `MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\nDATA\r\n${body}.\r\n`;
const results = (r: { replies: string[] }) => r.replies.filter((l) => /^(250 Received|554)/.test(l));

t.test('R4: after-blank, header and normal patterns with their responses', async (t) => {
  const r = await dialog(
    ['echo', 'patterns', 'accept'],
    message('Subject: hello\r\n\r\nTVqQAAMAAbinary\r\n') +
      message('Subject: buy viagra now\r\n\r\nok\r\n') +
      message('Subject: fine\r\n\r\nfine body\r\n') +
      message('Subject: x\r\n\r\nit is forbidden here\r\n') +
      'QUIT\r\n',
    { ...CLIENT, PATTERNS },
  );
  t.same(results(r), ['554 We do not accept executables (#5.3.4)', '554 Spam phrase', '250 Received 25 bytes.', '554 Spam phrase']);
  t.ok(r.log.includes('554 We do not accept executables (#5.3.4)'));
});

t.test('PATTERNS_RESP is the text before any = line; the default otherwise', async (t) => {
  const p = file('resp', '/*bad*\n=Named\n/*worse*\n');
  const input = message('Subject: x\r\n\r\nbad\r\n') + message('Subject: x\r\n\r\nworse\r\n') + 'QUIT\r\n';
  const r = await dialog(['echo', 'patterns', 'accept'], input, { ...CLIENT, PATTERNS: p, PATTERNS_RESP: '5.7.1 Go away' });
  t.same(results(r), ['554 5.7.1 Go away', '554 Named']);
  const d = await dialog(['echo', 'patterns', 'accept'], input, { ...CLIENT, PATTERNS: p });
  t.same(results(d), ['554 This message contains prohibited content', '554 Named']);
});

t.test('normal patterns: a leading / is the marker, any other byte is part of the pattern', async (t) => {
  const p = file('marker', 'before\n/after\n');
  const r = await dialog(
    ['echo', 'patterns', 'accept'],
    message('h\r\n\r\nefore\r\n') + message('h\r\n\r\nbefore\r\n') + message('h\r\n\r\nafter\r\n') + 'QUIT\r\n',
    { ...CLIENT, PATTERNS: p },
  );
  t.same(results(r), ['250 Received 9 bytes.', '554 This message contains prohibited content', '554 This message contains prohibited content']);
});

t.test('PATTERNS_LINEMAX', async (t) => {
  const p = file('linemax', '/abcde\n');
  const input = message('h\r\n\r\nabcdefghij\r\n') + 'QUIT\r\n';
  t.same(results(await dialog(['echo', 'patterns', 'accept'], input, { ...CLIENT, PATTERNS: p, PATTERNS_LINEMAX: ' 5 ' })), ['554 This message contains prohibited content']);
  t.same(results(await dialog(['echo', 'patterns', 'accept'], input, { ...CLIENT, PATTERNS: p })), ['250 Received 14 bytes.']);
  const bad = await dialog(['echo', 'patterns', 'accept'], input, { ...CLIENT, PATTERNS: p, PATTERNS_LINEMAX: '5x' });
  t.same(results(bad), ['250 Received 14 bytes.']);
  t.ok(bad.log.includes('Warning: patterns: PATTERNS_LINEMAX="5x" is not a positive whole number, using 256'));
  const huge = await dialog(['echo', 'patterns', 'accept'], input, { ...CLIENT, PATTERNS: p, PATTERNS_LINEMAX: '999999999999' });
  t.same(results(huge), ['250 Received 14 bytes.']);
});

t.test('an unreadable file is logged and the patterns read before are kept', async (t) => {
  const missing = await dialog(['echo', 'patterns', 'accept'], message('x\r\n') + 'QUIT\r\n', { ...CLIENT, PATTERNS: join(dir, 'nosuch') });
  t.same(results(missing), ['250 Received 2 bytes.']);
  t.ok(missing.log.includes(`Warning: Could not read patterns file '${dir}/nosuch': No such file or directory`), missing.log.join('\n'));
  const directory = await dialog(['echo', 'patterns', 'accept'], message('x\r\n') + 'QUIT\r\n', { ...CLIENT, PATTERNS: dir });
  t.ok(directory.log.includes(`Warning: Could not read patterns file '${dir}': Is a directory`), directory.log.join('\n'));
});

t.test('the file is read again when it changes, and kept when it disappears', async (t) => {
  const p = file('changing', '/one\n');
  const log: string[] = [];
  const session = new Session({ env: { PATTERNS: p }, ucspi: ucspiFromEnv({}), log: { info: (m) => log.push(m), warn: (m) => log.push(m), fatal: (m) => log.push(m) } });
  const unused = () => {
    throw new Error('not used by patterns');
  };
  const context: PluginContext = { name: 'patterns', session, env: session.processEnv, inject: unused, newMessageFile: unused, replaceMessage: unused };
  const hooks = patterns.create(context);
  const check = async (body: string) => {
    await hooks.dataStart!(undefined);
    return (await hooks.dataBlock!(Buffer.from(body))) ?? (await hooks.messageEnd!(undefined));
  };
  t.equal((await check('one\n'))?.code, 554);
  writeFileSync(p, '/two, a longer file\n');
  recheckAllNow();
  t.equal(await check('one\n'), undefined);
  t.equal((await check('two, a longer file'))?.code, 554, 'a last line without LF is checked');
  unlinkSync(p);
  recheckAllNow();
  t.equal((await check('two, a longer file\n'))?.code, 554);
  t.same(log, [`Could not read patterns file '${p}': No such file or directory`]);
});

t.test('PATTERNS from a mail rule applies to that transaction only', async (t) => {
  file('only', '/x\n');
  const rules = file('rules', `:sender\nna@b:*::::PATTERNS=${dir}/only\nk*:*\n`);
  const input = message('x\r\n').replace('a@example.com', 'a@b') + message('x\r\n') + 'QUIT\r\n';
  const r = await dialog(['echo', 'mailrules', 'patterns', 'accept'], input, { ...CLIENT, MAILRULES: rules });
  t.same(results(r), ['554 This message contains prohibited content', '250 Received 2 bytes.']);
});

t.test('injected headers are not checked; an empty patterns file checks nothing', async (t) => {
  const p = file('received', ':Received:*\n');
  const r = await dialog(['echo', 'add-received', 'patterns', 'accept'], message('x\r\n') + 'QUIT\r\n', { ...CLIENT, PATTERNS: p });
  t.match(results(r)[0], /^250 Received/);
  const e = file('empty', '# nothing\n');
  t.match(results(await dialog(['echo', 'patterns', 'accept'], message('x\r\n') + 'QUIT\r\n', { ...CLIENT, PATTERNS: e }))[0], /^250/);
});

t.test('the patterns file is looked at at most once a second, its error reported for every message meanwhile', async (t) => {
  let now = 0;
  const source = new PatternsSource(() => now);
  const p = file('throttled', '/one\n');
  const warn = () => {};
  t.same(source.load(p, warn).patterns.length, 1);
  writeFileSync(p, '/one\n/two\n');
  now = 999;
  t.same(source.load(p, warn).patterns.length, 1, 'within the second: no stat, the patterns read before');
  now = 1000;
  t.same(source.load(p, warn).patterns.length, 2, 'a second later: the change is seen');
  unlinkSync(p);
  now = 2000;
  t.match(source.load(p, warn), { patterns: { length: 2 }, error: { code: 'ENOENT' } });
  now = 2500;
  t.match(source.load(p, warn), { patterns: { length: 2 }, error: { code: 'ENOENT' } }, 'the error again, without a stat');
  const other = file('other', '/x\n/y\n/z\n');
  t.same(source.load(other, warn).patterns.length, 3, 'another name is looked at at once');
});
