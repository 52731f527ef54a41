import t from 'tap';
import { PassThrough, Writable } from 'node:stream';
import { ByteInput, createLogger, Output } from '@mailfront/core';
import { curName } from '../src/commit.js';
import { authConfig, maildirTimeouts } from '../src/config.js';
import { Pop3Connection } from '../src/connection.js';
import { compareNames, isSeen, sizeFromName, uidOf, type Message } from '../src/maildir.js';
import { becomeUser, type ProcessIds } from '../src/privileges.js';
import { collector, lines, session } from './helpers.js';

t.test('names: order, uid, size, flags', async (t) => {
  const sorted = ['10.a', '9.b', 'x', '2.c', '10.0', 'B', '0009.z'].sort(compareNames);
  t.same(sorted, ['2.c', '0009.z', '9.b', '10.0', '10.a', 'B', 'x']);
  t.equal(uidOf('123.host,S=25:2,S'), '123.host');
  t.equal(uidOf('123.host,xyz:2,'), '123.host,xyz');
  t.equal(uidOf('a'.repeat(80)), 'a'.repeat(70));
  t.equal(sizeFromName('1.h,S=10,W=12:2,S'), 12);
  t.equal(sizeFromName('1.h,S=10:2,W=12'), 10);
  t.equal(sizeFromName('1.h'), undefined);
  t.ok(isSeen('1:2,FS'));
  t.notOk(isSeen('1:1,S'));
  const m = (name: string, read = true): Message => ({ dir: 'new', name, uid: '', size: 0, read, deleted: false });
  t.equal(curName(m('1')), '1:2,S');
  t.equal(curName(m('1:2,T')), '1:2,ST');
  t.equal(curName(m('1:2,S')), '1:2,S');
  t.equal(curName(m('1:1,x')), '1:1,x', 'other info forms are left alone');
  t.equal(curName(m('1', false)), '1');
});

t.test('timeouts and their variables', async (t) => {
  t.same(authConfig({ TIMEOUT: '5', AUTH_TIMEOUT: '7', SESSION_TIMEOUT: '9', AUTH_SESSION_TIMEOUT: '11', PROTO: 'X', XLOCALHOST: 'h' }), {
    idleMs: 7000, sessionMs: 11000, maxUserCommands: 0, maxAuthFailures: 0, domain: 'h',
    tls: { settings: undefined, immediate: false, authRequiresTls: false },
  });
  t.same(maildirTimeouts({ TIMEOUT: '0', AUTH_TIMEOUT: '7' }), { idleMs: 1_200_000, sessionMs: 86_400_000 });
  const idle = new PassThrough();
  const s = await session(['cvm'], [], {}, undefined);
  t.equal(s.code, 0, 'EOF at once');
  const out = collector();
  const err = collector();
  const { runPop3d } = await import('../src/main.js');
  const actions = { becomeUser() {}, chdir() {}, exec: async () => 0, relay: async () => 0 };
  const code = await runPop3d(['cvm'], { AUTH_TIMEOUT: '50ms' }, { stdin: idle, stdout: out.stream, stderr: err.stream }, actions);
  t.equal(code, 0);
  t.same(lines(out.text()), ['+OK ', '-ERR Connection timed out']);
  const quiet = collector();
  await runPop3d(['cvm'], { SESSION_TIMEOUT: '50ms' }, { stdin: new PassThrough(), stdout: quiet.stream, stderr: err.stream }, actions);
  t.same(lines(quiet.text()), ['+OK '], 'the session limit ends it silently');
});

t.test('a slow client holds back the writer', async (t) => {
  let release: () => void = () => {};
  const chunks: Buffer[] = [];
  const slow = new Writable({
    highWaterMark: 16,
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk);
      release = cb;
    },
  });
  const connection = new Pop3Connection(new ByteInput(new PassThrough()), new Output(slow), { stdin: new PassThrough(), stdout: slow }, createLogger('x', new PassThrough()), { idleMs: 1000, sessionMs: 60_000 });
  let written = false;
  const pending = connection.write(Buffer.alloc(100)).then(() => (written = true));
  await new Promise((r) => setImmediate(r));
  t.notOk(written, 'waits for drain');
  release();
  await pending;
  t.ok(written);
  const stuck = new Writable({ highWaterMark: 1, write() {} });
  const c2 = new Pop3Connection(new ByteInput(new PassThrough()), new Output(stuck), { stdin: new PassThrough(), stdout: stuck }, createLogger('x', new PassThrough()), { idleMs: 20, sessionMs: 60_000 });
  await t.rejects(c2.write(Buffer.alloc(10)), /timed out writing/);
});

t.test('becoming the user', async (t) => {
  const calls: string[] = [];
  const ids = (uid: number): ProcessIds => ({
    getuid: () => uid,
    setgroups: (g) => void calls.push(`groups ${g.join(',')}`),
    setgid: (g) => void calls.push(`gid ${g}`),
    setuid: (u) => void calls.push(`uid ${u}`),
  });
  becomeUser({ username: 'a', userId: 5, groupId: 6, directory: '/', suppGroupIds: [] }, ids(0));
  becomeUser({ username: 'a', userId: 5, groupId: 6, directory: '/', suppGroupIds: [6, 7] }, ids(0));
  becomeUser({ username: 'a', userId: 5, groupId: 6, directory: '/', suppGroupIds: [] }, ids(5));
  t.same(calls, ['groups 6', 'gid 6', 'uid 5', 'groups 6,7', 'gid 6', 'uid 5', 'gid 6', 'uid 5']);
});

t.test('the real process actions', async (t) => {
  const { DEFAULT_ACTIONS } = await import('../src/main.js');
  DEFAULT_ACTIONS.chdir(process.cwd());
  await t.rejects(DEFAULT_ACTIONS.exec(['/nonexistent/program'], {}, async () => {}), /unable to run/);
  const stdin = new PassThrough();
  const plain = new Pop3Connection(new ByteInput(stdin), new Output(new PassThrough()), { stdin, stdout: new PassThrough() }, createLogger('x', new PassThrough()), { idleMs: 1000, sessionMs: 1000 });
  await t.rejects(DEFAULT_ACTIONS.relay(['true'], {}, plain), /needs a TLS session/);
  const uid = process.getuid!();
  const gid = process.getgid!();
  // Becoming who we already are changes nothing (as root: the groups become [gid]).
  DEFAULT_ACTIONS.becomeUser({ username: 'me', userId: uid, groupId: gid, directory: '/', suppGroupIds: process.getgroups!() });
  t.equal(process.getuid!(), uid);
});
