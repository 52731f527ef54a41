// What users and broken delivery agents leave in a Maildir, and a client
// that stops reading in the middle of a message: the session goes on (or
// ends cleanly at its timeout), never a crash, and nothing is deleted
// without QUIT.
import t from 'tap';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { collector, waitFor } from '@mailfront/testkit';
import { runPop3d } from '../src/main.js';
import { fakeActions, lines, maildir, session } from './helpers.js';

const files = (dir: string) => ['cur', 'new'].flatMap((d) => readdirSync(join(dir, d)).map((n) => `${d}/${n}`)).sort();

t.test('a directory in cur/ or new/ is not a message', async (t) => {
  const dir = maildir(t);
  mkdirSync(join(dir, 'cur', '1000000000.000.host:2,S'));
  mkdirSync(join(dir, 'new', '1000000004.444.host'));
  const s = await session(['maildir', dir], 'STAT\r\nLIST\r\nRETR 1\r\nDELE 3\r\nQUIT\r\n');
  t.equal(s.code, 0);
  t.same(lines(s.out).slice(0, 7), ['+OK ', '+OK 3 121', '+OK ', '1 69', '2 25', '3 27', '.']);
  t.equal(lines(s.out).at(-1), '+OK ');
  t.same(files(dir), ['cur/1000000000.000.host:2,S', 'cur/1000000001.111.host:2,S', 'cur/1000000002.222.host,S=25:2,S', 'new/1000000004.444.host']);
});

t.test('a message that became a directory after the scan answers -ERR; the session goes on and QUIT commits', async (t) => {
  const dir = maildir(t);
  const stdin = new PassThrough();
  const out = collector();
  const err = collector();
  const { actions } = fakeActions();
  const done = runPop3d(['maildir', dir], {}, { stdin, stdout: out.stream, stderr: err.stream }, actions);
  await waitFor('the greeting', () => out.latin1() !== '');
  rmSync(join(dir, 'new/1000000001.111.host'));
  mkdirSync(join(dir, 'new/1000000001.111.host'));
  stdin.end('RETR 1\r\nTOP 1 0\r\nRETR 2\r\nDELE 3\r\nQUIT\r\n');
  t.equal(await done, 0);
  const replies = lines(out.latin1());
  t.same(replies.slice(0, 3), ['+OK ', '-ERR Could not open that message', '-ERR Could not open that message']);
  t.equal(replies.at(-1), '+OK ');
  t.match(err.latin1(), /Warning: unable to read message new\/1000000001\.111\.host: .*not a regular file/);
  t.same(files(dir), ['cur/1000000001.111.host', 'cur/1000000002.222.host,S=25:2,S'], 'QUIT committed: 3 deleted, 2 read');
});

t.test('a client that stops reading during RETR: one log line, status 1, nothing deleted', async (t) => {
  const dir = maildir(t);
  writeFileSync(join(dir, 'new/1000000009.999.host'), 'Subject: big\n\n' + 'x'.repeat(100).concat('\n').repeat(20_000));
  const before = files(dir);
  // A peer that never takes a byte: writes are never acknowledged.
  const stdout = new Writable({ highWaterMark: 1024, write: () => {} });
  const err = collector();
  const { actions } = fakeActions();
  const stdin = new PassThrough();
  stdin.write('DELE 1\r\nRETR 4\r\n');
  const code = await runPop3d(['maildir', dir], { TIMEOUT: '300ms' }, { stdin, stdout, stderr: err.stream }, actions);
  t.equal(code, 1);
  const log = err.latin1().split('\n').filter((l) => l !== '');
  t.same(log.filter((l) => /Timed out|internal error|Error/.test(l)).map((l) => l.replace(/^[^:]+: /, '')), ['Timed out: the client stopped reading']);
  t.match(log.at(-1), /bytes in: 16 bytes out: \d+$/);
  t.same(files(dir), before, 'nothing deleted, nothing moved');
  t.ok(existsSync(join(dir, 'new/1000000001.111.host')));
  t.ok(stdout.destroyed, 'the connection is given up');
});
