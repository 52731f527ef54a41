import t, { type Test } from "tap";
import { writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { createHmac } from 'node:crypto';
import { Cred, decodeResponseV2 } from '@mailfront/cvm';
import { scratchDir } from '@mailfront/testkit';
import { main } from '../src/main.js';
import { io, PWFILE, request } from './helpers.js';

async function ask(_t: Test, packet: Buffer, env: Record<string, string>) {
  const s = io([packet]);
  const code = await main([], env, s.io);
  const decoded = s.out.bytes().length > 0 ? decodeResponseV2(s.out.bytes(), Buffer.alloc(0)) : undefined;
  const facts = Object.fromEntries((decoded?.facts ?? []).map((f) => [f.type, f.value.toString()]));
  return { code, facts, err: s.err.text(), out: s.out.bytes() };
}

function setup(t: Test) {
  const dir = scratchDir(t);
  const path = join(dir, 'pwfile');
  writeFileSync(path, PWFILE);
  return { dir, path, env: { CVM_PWFILE_PATH: path } };
}

t.test('entries and facts (reference A.13)', async (t) => {
  const { env } = setup(t);
  const ok = await ask(t, request('PWFUser', 'testpass'), env);
  t.equal(ok.code, 0);
  t.same(ok.facts, { 1: 'pwfuser', 2: '123', 3: '456', 4: 'Gecos', 5: '/home/ftp', 6: '/bin/false' });
  t.equal((await ask(t, request('pwfuser', 'wrong'), env)).code, 100);
  t.equal((await ask(t, request('pwfuser'), env)).code, 7, 'no password in authentication mode');
  t.equal((await ask(t, request('nobodyhere', 'x'), env)).code, 100);
  const nogecos = await ask(t, request('nogecos', 'pw'), env);
  t.same(nogecos.facts, { 1: 'nogecos', 2: '0', 3: '789', 4: '', 5: '', 6: '' });
  t.equal((await ask(t, request('emptypw', ''), { ...env, CVM_LOOKUP_SECRET: '' })).code, 100, 'empty password: 100 even for lookups');
  t.equal((await ask(t, request('short', 'pw'), env)).code, 100);
  t.equal((await ask(t, request('short2', 'pw'), env)).code, 6);
  t.equal((await ask(t, request('short2', 'x'), env)).code, 100, 'bad entry, wrong password: 100');
  t.equal((await ask(t, request('short2'), env)).code, 7, 'bad entry, no password: 7');
  t.equal((await ask(t, request('short2'), { ...env, CVM_LOOKUP_SECRET: '' })).code, 6, 'bad entry, lookup: 6');
  t.equal((await ask(t, request('baduid', 'pw'), env)).code, 6, 'negative uid refused');
  t.equal((await ask(t, request('extra', 'pw'), env)).facts[6], '/s:more');
  t.equal((await ask(t, request('dup', 'first'), env)).facts[4], 'first', 'first line wins');
  t.equal((await ask(t, request('dup', 'second'), env)).code, 100);
  t.equal((await ask(t, request('nolf', 'pw'), env)).facts[6], '/s', 'last line without LF kept whole');
  t.equal((await ask(t, request('', 'pw'), env)).code, 100, 'empty account never matches');
  t.equal((await ask(t, request('dup:first', '1'), env)).code, 100, 'a colon in the account never matches');
  const lookup = await ask(t, request('pwfuser'), { ...env, CVM_LOOKUP_SECRET: '' });
  t.equal(lookup.code, 0, 'lookup mode');
});

t.test('the file: missing, unset, long lines, big file', async (t) => {
  const { dir, env } = setup(t);
  const missing = await ask(t, request('pwfuser', 'testpass'), { CVM_PWFILE_PATH: join(dir, 'none') });
  t.equal(missing.code, 4);
  t.match(missing.err, /cvm-pwfile\[\d+\]: Warning: unable to read/);
  const unset = await ask(t, request('pwfuser', 'testpass'), {});
  t.equal(unset.code, 6, 'init fails with 6');
  t.equal(unset.out.length, 0, 'and writes nothing');
  t.equal(unset.err, '');
  const big = join(dir, 'big');
  const filler = Array.from({ length: 30000 }, (_, i) => `user${i}:p${i}:${i}:1::/home/u${i}:/bin/sh`).join('\n');
  writeFileSync(big, `${'x'.repeat(200_000)}\n${filler}\nlast:pw:9:9:Last:/l:/sh\n${'y'.repeat(70_000)}`);
  t.equal((await ask(t, request('user29999', 'p29999'), { CVM_PWFILE_PATH: big })).code, 0);
  t.equal((await ask(t, request('last', 'pw'), { CVM_PWFILE_PATH: big })).code, 0);
  t.equal((await ask(t, request('x', 'pw'), { CVM_PWFILE_PATH: big })).code, 100, 'an over-long line is no entry');
  t.equal((await ask(t, request('yyy', 'pw'), { CVM_PWFILE_PATH: big })).code, 100);
  t.ok(env);
});

t.test('CVM_PWFILE_PWCMP', async (t) => {
  const { dir, env } = setup(t);
  const crypt = { ...env, CVM_PWFILE_PWCMP: 'crypt' };
  t.equal((await ask(t, request('cryptuser', 'testpass'), crypt)).code, 0);
  t.equal((await ask(t, request('cryptuser', 'wrong'), crypt)).code, 100);
  t.equal((await ask(t, request('pwfuser', 'testpass'), crypt)).code, 100, 'plain text is no hash');
  t.equal((await ask(t, request('pwfuser', 'testpass'), { ...env, CVM_PWFILE_PWCMP: 'plain' })).code, 0);
  const program = join(dir, 'pwcmp');
  // Answers 0 when the password is "magic", 1 otherwise; one request per 2 NUL-terminated strings.
  writeFileSync(program, `#!/usr/bin/env python3
import sys
data = b''
while True:
    chunk = sys.stdin.buffer.read1(100)
    if not chunk: break
    data += chunk
    while data.count(b'\\0') >= 2:
        given, stored, data = data.split(b'\\0', 2)
        sys.stdout.buffer.write(b'\\0' if given == b'magic' else b'\\1')
        sys.stdout.buffer.flush()
`);
  chmodSync(program, 0o755);
  const ext = { ...env, CVM_PWFILE_PWCMP: program, PATH: process.env.PATH! };
  t.equal((await ask(t, request('pwfuser', 'magic'), ext)).code, 0);
  t.equal((await ask(t, request('pwfuser', 'testpass'), ext)).code, 100);
  t.equal((await ask(t, request('pwfuser', 'x'), { ...env, CVM_PWFILE_PWCMP: join(dir, 'nothing') })).code, 4, 'no such program');
  const silent = join(dir, 'silent');
  writeFileSync(silent, '#!/bin/sh\nexec sleep 5\n');
  chmodSync(silent, 0o755);
  const { passwordCompare } = await import('../src/pwcmp.js');
  const slow = passwordCompare(silent, {}, 50);
  t.equal(await slow.check(Buffer.from('a'), Buffer.from('b')), 'error', 'no answer in time');
  slow.close();
});

t.test('CRAM-MD5 with plain-text passwords', async (t) => {
  const { env } = setup(t);
  const challenge = '<1.2@host>';
  const cram = (key: string, type = 'CRAM-MD5') => [
    { type: Cred.CHALLENGE, value: Buffer.from(challenge) },
    { type: Cred.RESPONSE, value: createHmac('md5', key).update(challenge).digest() },
    { type: Cred.RESPONSE_TYPE, value: Buffer.from(type) },
  ];
  t.equal((await ask(t, request('pwfuser', undefined, cram('testpass')), env)).code, 0);
  t.equal((await ask(t, request('pwfuser', undefined, cram('wrong')), env)).code, 100);
  t.equal((await ask(t, request('pwfuser', undefined, cram('testpass', 'DIGEST-MD5')), env)).code, 7);
  t.equal((await ask(t, request('cryptuser', undefined, cram('testpass')), { ...env, CVM_PWFILE_PWCMP: 'crypt' })).code, 7, 'not with hashes');
});

t.test('usage, help', async (t) => {
  const bad = io();
  t.equal(await main(['cvm-local:/x', 'extra'], {}, bad.io), 1);
  t.equal(bad.err.text(), 'cvm-pwfile: Fatal: Incorrect usage.\nusage: cvm-pwfile cvm-local:/path/to/socket\nor:    cvm-pwfile cvm-udp:hostname:port\n');
  const help = io();
  t.equal(await main(['--help'], {}, help.io), 0);
  t.match(help.out.text(), /^Usage: cvm-pwfile /);
});
