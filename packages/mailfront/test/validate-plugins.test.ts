import t from 'tap';
import { existsSync, mkdirSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { writeCdb } from '@mailfront/cdb64';
import { runModule, type CvmModule } from '@mailfront/cvm';
import { scratchDir, waitFor } from '@mailfront/testkit';
import { recheckAllNow } from '@mailfront/core';
import { CLIENT, dialog } from './helpers/dialog.js';

function qmailHome(t: { teardown(fn: () => void): void }) {
  const home = scratchDir(t);
  mkdirSync(join(home, 'control'));
  const control = (name: string, text: string) => writeFileSync(join(home, 'control', name), text);
  control('badmailfrom', 'bad@example.com\n@spam.example\n');
  control('rcpthosts', 'example.org\n.sub.example.net\n');
  control('badrcptto', 'nobody@example.org\n@blocked.example\n');
  return { home, control };
}

t.test('qmail-validate: badmailfrom, badrcptto, rcpthosts exact and .suffix (V1)', async (t) => {
  const q = qmailHome(t);
  const r = await dialog(
    ['echo', 'qmail-validate'],
    'MAIL FROM:<bad@example.com>\r\nMAIL FROM:<x@SPAM.example>\r\nMAIL FROM:<good@example.com>\r\nRCPT TO:<nobody@example.org>\r\nRCPT TO:<a@blocked.example>\r\nRCPT TO:<a@example.org>\r\nRCPT TO:<a@deep.sub.example.net>\r\nRCPT TO:<a@sub.example.net>\r\nRCPT TO:<a@other.example>\r\nRCPT TO:<nodomain>\r\nQUIT\r\n',
    { ...CLIENT, QMAILHOME: q.home },
  );
  t.same(r.replies.slice(1, -1), [
    '553 5.1.0 Sorry, your envelope sender is in my badmailfrom list.',
    '553 5.1.0 Sorry, your envelope sender is in my badmailfrom list.',
    "250 Sender='good@example.com'.",
    '553 5.1.1 Sorry, that address is in my badrcptto list.',
    '553 5.1.1 Sorry, that address is in my badrcptto list.',
    "250 Recipient='a@example.org'.",
    "250 Recipient='a@deep.sub.example.net'.",
    '550 5.1.0 Mail system is not configured to accept that recipient',
    '550 5.1.0 Mail system is not configured to accept that recipient',
    '550 5.1.0 Mail system is not configured to accept that recipient',
  ]);
});

t.test('qmail-validate: morercpthosts.cdb, missing files, changed files', async (t) => {
  const q = qmailHome(t);
  writeCdb(join(q.home, 'control', 'morercpthosts.cdb'), [['more.example', '']]);
  const session = 'MAIL FROM:<>\r\nRCPT TO:<a@more.example>\r\nRCPT TO:<a@new.example>\r\nQUIT\r\n';
  const before = await dialog(['echo', 'qmail-validate'], session, { ...CLIENT, QMAILHOME: q.home });
  t.same(before.replies.slice(1, -1), ["250 Sender=''.", "250 Recipient='a@more.example'.", '550 5.1.0 Mail system is not configured to accept that recipient']);
  q.control('rcpthosts', 'new.example\n');
  // The control files are the process's, looked at again within a second.
  recheckAllNow();
  const after = await dialog(['echo', 'qmail-validate'], session, { ...CLIENT, QMAILHOME: q.home });
  t.equal(after.replies[3], "250 Recipient='a@new.example'.");
  const empty = scratchDir(t);
  const none = await dialog(['echo', 'qmail-validate'], session, { ...CLIENT, QMAILHOME: empty });
  t.same(none.replies.slice(1, 2), ["250 Sender=''."], 'missing control files count as empty');
});

t.test('qmail-validate: a missing QMAILHOME stops start-up (V2); an unreadable file is a 451', async (t) => {
  const r = await dialog(['echo', 'qmail-validate'], 'QUIT\r\n', { ...CLIENT, QMAILHOME: '/nonexistent' });
  t.same(r.replies, ['451 4.3.0 Could not change to the qmail directory.']);
  t.equal(r.status, 1);
  const q = qmailHome(t);
  // A control file that cannot be read (here: absurdly large) must not pass for an empty one.
  truncateSync(join(q.home, 'control', 'badrcptto'), 65 * 1024 * 1024);
  const unreadable = await dialog(['echo', 'qmail-validate'], 'QUIT\r\n', { ...CLIENT, QMAILHOME: q.home });
  t.same(unreadable.replies, ['451 4.3.0 Internal error.']);
  t.equal(unreadable.status, 1);
});

/** A CVM module on a local socket: 'known' exists, 'broken' fails, other domains are not its own. */
async function cvmServer(t: { teardown(fn: () => void): void }) {
  const dir = scratchDir(t);
  const socket = join(dir, 'cvm.sock');
  const stop = new AbortController();
  const module: CvmModule = {
    lookup(request) {
      if (request.domain !== 'example.org' && request.domain !== 'xn--bcher-kva.example') return { code: 100, outOfScope: true };
      if (request.account === 'broken') return { code: 4 };
      if (request.account !== 'known') return { code: 100 };
      return { code: 0, account: { username: 'known', userId: 1000, groupId: 1000, directory: '/home/known', suppGroupIds: [] } };
    },
  };
  const io = { stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough() };
  const done = runModule(module, [`cvm-local:${socket}`], { CVM_LOOKUP_SECRET: '' }, io, { program: 'fake', stopSignal: stop.signal, handleSignals: false });
  t.teardown(async () => {
    stop.abort();
    await done;
  });
  await waitFor(`${socket}`, () => existsSync(socket));
  return socket;
}

t.test('cvm-validate: existing, unknown, out of scope, failing, no domain (V3)', async (t) => {
  const socket = await cvmServer(t);
  const r = await dialog(
    ['echo', 'accept-sender', 'cvm-validate', 'accept-recipient'],
    'MAIL FROM:<a@example.com>\r\nRCPT TO:<known@example.org>\r\nRCPT TO:<nosuch@example.org>\r\nRCPT TO:<x@elsewhere.example>\r\nRCPT TO:<broken@example.org>\r\nRCPT TO:<nodomain>\r\nQUIT\r\n',
    { ...CLIENT, CVM_LOOKUP: `cvm-local:${socket}` },
  );
  t.same(r.replies.slice(1, -1), [
    "250 Sender='a@example.com'.",
    "250 Recipient='known@example.org'.",
    '553 5.1.1 Sorry, that recipient does not exist.',
    "250 Recipient='x@elsewhere.example'.",
    '451 4.1.0 Sorry, I could not verify that recipient (internal temporary error).',
    "250 Recipient='nodomain'.",
  ]);
  const down = await dialog(['echo', 'accept', 'cvm-validate'], 'MAIL FROM:<>\r\nRCPT TO:<known@example.org>\r\nQUIT\r\n', {
    ...CLIENT,
    CVM_LOOKUP: 'cvm-local:/nonexistent/socket',
  });
  t.equal(down.replies[2], '451 4.1.0 Sorry, I could not verify that recipient (internal temporary error).', 'a dead module defers, never bounces');
  t.ok(
    down.log.includes('Warning: cvm-validate: cannot verify known@example.org: cvm-local:/nonexistent/socket: connect ENOENT /nonexistent/socket, code 4 (Input/Output error)'),
    'the log says why: the errno and the path',
  );
  const off = await dialog(['echo', 'accept', 'cvm-validate'], 'MAIL FROM:<>\r\nRCPT TO:<x@y.z>\r\nQUIT\r\n');
  t.equal(off.replies[2], "250 Recipient='x@y.z'.", 'without CVM_LOOKUP the plugin does nothing');
});

const utf8 = (text: string) => Buffer.from(text, 'utf8').toString('latin1');

t.test('SMTPUTF8: qmail-validate compares U-labels and A-labels as one domain', async (t) => {
  const q = qmailHome(t);
  q.control('rcpthosts', 'Bücher.example\n.xn--espaol-zwa.example\n');
  q.control('badmailfrom', '@spam.bücher.example\n');
  const r = await dialog(
    ['echo', 'qmail-validate'],
    utf8('MAIL FROM:<x@spam.xn--bcher-kva.example> SMTPUTF8\r\nMAIL FROM:<jörg@example.com> SMTPUTF8\r\nRCPT TO:<a@xn--bcher-kva.example>\r\nRCPT TO:<ü@BÜCHER.example>\r\nRCPT TO:<b@mx.español.example>\r\nRCPT TO:<c@español.example>\r\nQUIT\r\n'),
    { ...CLIENT, QMAILHOME: q.home },
  );
  t.same(r.replies.slice(1, -1).map((l) => Buffer.from(l, 'latin1').toString('utf8')), [
    '553 5.1.0 Sorry, your envelope sender is in my badmailfrom list.',
    "250 Sender='jörg@example.com'. [SMTPUTF8]",
    "250 Recipient='a@xn--bcher-kva.example'.",
    "250 Recipient='ü@BÜCHER.example'.",
    "250 Recipient='b@mx.español.example'.",
    '550 5.1.0 Mail system is not configured to accept that recipient',
  ]);
});

t.test('SMTPUTF8: cvm-validate asks about the A-label domain and the UTF-8 local part', async (t) => {
  const socket = await cvmServer(t);
  const r = await dialog(
    ['echo', 'accept-sender', 'cvm-validate', 'accept-recipient'],
    utf8('MAIL FROM:<a@example.com> SMTPUTF8\r\nRCPT TO:<known@bücher.example>\r\nRCPT TO:<jörg@Bücher.example>\r\nQUIT\r\n'),
    { ...CLIENT, CVM_LOOKUP: `cvm-local:${socket}` },
  );
  t.equal(Buffer.from(r.replies[2]!, 'latin1').toString('utf8'), "250 Recipient='known@bücher.example'.");
  t.equal(r.replies[3], '553 5.1.1 Sorry, that recipient does not exist.');
});
