// One qmail tree, many addresses and settings: C cvm-testclient asking C
// cvm-qmail and our cvm-testclient asking our cvm-qmail must print the same
// bytes and exit with the same status. Then raw packets, random and
// mutated, into both modules in command mode: same reply, same status.
import t from 'tap';
import type { Test } from 'tap';
import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireOracles, run, scratchDir } from '@mailfront/testkit';
import { ORACLE_ENV, OUR_CVM_QMAIL, OUR_TESTCLIENT, qmailTree, startModule, testclient } from './cvm-fixture.js';

const ORACLES = ['cvm-qmail', 'cvm-testclient', 'cdb'] as const;

/** [account, domain] pairs for the tree of test/fixtures/qmail-tree. */
const ADDRESSES: Array<[string, string]> = [
  ['joe', 'example.org'], ['JOE', 'Example.ORG'], ['joe', 'EXAMPLE.ORG'], ['joe', 'mail.example.org'], ['joe', 'localhost'],
  ['joe', ''], ['joe@example.org', ''], ['joe@virt.test', 'example.org'], ['joe@', 'example.org'], ['info@x@virt.test', ''],
  ['joe-list', 'example.org'], ['joe-LIST', 'example.org'], ['joe-nolist', 'example.org'], ['joe-wild-x', 'example.org'],
  ['joe-wild-x-y', 'example.org'], ['joe-wild', 'example.org'], ['joe-dot.ted', 'example.org'], ['joe-DOT.TED', 'example.org'],
  ['joe-dot:ted', 'example.org'], ['joe-', 'example.org'], ['-joe', 'example.org'], ['joe--list', 'example.org'],
  ['postmaster', 'example.org'], ['Postmaster', 'example.org'], ['owner-foo', 'example.org'], ['owner-', 'example.org'],
  ['alias', 'example.org'], ['alias-x', 'example.org'], ['nosuchuser', 'example.org'], ['', 'example.org'],
  ['nobody', 'example.org'], ['root', 'example.org'], ['Root', 'example.org'], ['root-foo', 'example.org'],
  ['www-data', 'example.org'], ['_apt', 'example.org'], ['extuser', 'example.org'], ['extuser-x', 'example.org'],
  ['weird', 'example.org'], ['weird-More.Y', 'example.org'], ['info', 'virt.test'], ['INFO', 'VIRT.TEST'],
  ['info-x', 'virt.test'], ['x', 'virt.test'], ['abc', 'Virt2.Test'], ['ABC-def', 'virt2.test'], ['anything', 'a.wild.test'],
  ['anything', 'deep.a.Wild.Test'], ['anything', 'wild.test'], ['a-b-c', 'x.wild.test'], ['joe', 'empty.test'],
  ['bob', 'addr.test'], ['joe', 'unknown.dom'], ['joe', 'spaced.test'], ['anything', 'dup.test'], ['joe', 'nocolon.test'],
  ['joe', 'example.org.'], ['joe', '.example.org'], ['j\u00f6e', 'example.org'], ['joe', 'ex\u00e4mple.org'],
  ['joe vm', 'example.org'], ['joe-vm', 'example.org'], ['a'.repeat(255), 'example.org'], ['a'.repeat(480), 'example.org'],
  ['a'.repeat(600), 'example.org'],
];

async function compare(t: Test, c: Record<(typeof ORACLES)[number], string>, pairs: Array<[string, string]>, theirs: string, ours: string, env: NodeJS.ProcessEnv, label: string) {
  let same = 0;
  for (const [account, domain] of pairs) {
    const expected = await testclient(c['cvm-testclient'], [theirs, account, domain], env);
    // Our module logs why it answered "temporary error" (a command module shares the client's stderr); cvm says nothing.
    const got = (await testclient(OUR_TESTCLIENT, [ours, account, domain], env)).replace(/^cvm-qmail\[\d+\]: Warning: .*\n/gm, '');
    t.equal(got, expected, `${label}: ${account.slice(0, 24)}@${domain}`);
    if (got === expected) same++;
  }
  return same;
}
t.test('addresses through long-running servers', async (t) => {
  const c = requireOracles(t, ORACLES, ORACLE_ENV);
  if (!c) return;
  const root = await qmailTree(t, c.cdb);
  const dir = scratchDir(t);
  const env = { ...process.env, QMAIL_ROOT: root, CVM_LOOKUP_SECRET: 'secret' };
  const theirs = await startModule(c['cvm-qmail'], `cvm-local:${join(dir, 'c.sock')}`, env);
  const ours = await startModule(OUR_CVM_QMAIL, `cvm-local:${join(dir, 'ours.sock')}`, env);
  t.teardown(() => Promise.all([theirs.stop(), ours.stop()]));
  const same = await compare(t, c, ADDRESSES, `cvm-local:${join(dir, 'c.sock')}`, `cvm-local:${join(dir, 'ours.sock')}`, env, 'socket');
  t.ok(same >= 50, `${same} addresses answered identically`);
  for (const secret of ['wrong', '']) {
    await compare(t, c, ADDRESSES.slice(0, 3), `cvm-local:${join(dir, 'c.sock')}`, `cvm-local:${join(dir, 'ours.sock')}`, { ...env, CVM_LOOKUP_SECRET: secret }, `secret '${secret}'`);
  }
  const { CVM_LOOKUP_SECRET: _, ...noSecret } = env;
  await compare(t, c, [['joe', 'example.org'], ['x', 'unknown.dom']], `cvm-local:${join(dir, 'c.sock')}`, `cvm-local:${join(dir, 'ours.sock')}`, noSecret, 'no secret');
});

t.test('settings, through command modules', async (t) => {
  const c = requireOracles(t, ORACLES, ORACLE_ENV);
  if (!c) return;
  const root = await qmailTree(t, c.cdb);
  const base = { ...process.env, QMAIL_ROOT: root, CVM_LOOKUP_SECRET: '' };
  const theirs = `cvm-command:${c['cvm-qmail']}`;
  const ours = `cvm-command:${OUR_CVM_QMAIL}`;
  const some: Array<[string, string]> = [['whoever', 'unknown.dom'], ['joe', 'example.org'], ['joe-nolist', 'unknown.dom'], ['anything', 'x.wild.test'], ['joe', '']];
  const variants: Array<[string, NodeJS.ProcessEnv]> = [
    ['MISSINGDOMAIN empty', { CVM_QMAIL_MISSINGDOMAIN: '' }],
    ['MISSINGDOMAIN', { CVM_QMAIL_MISSINGDOMAIN: 'fallback.dom' }],
    ['MISSINGUSER joe', { CVM_QMAIL_MISSINGDOMAIN: 'fallback.dom', CVM_QMAIL_MISSINGUSER: 'joe' }],
    ['MISSINGUSER joe-list', { CVM_QMAIL_MISSINGDOMAIN: 'f', CVM_QMAIL_MISSINGUSER: 'joe-list' }],
    ['MISSINGUSER joe-nolist', { CVM_QMAIL_MISSINGDOMAIN: 'f', CVM_QMAIL_MISSINGUSER: 'joe-nolist' }],
    ['ASSUME_LOCAL', { CVM_QMAIL_ASSUME_LOCAL: '1' }],
    ['ASSUME_LOCAL empty', { CVM_QMAIL_ASSUME_LOCAL: '', CVM_QMAIL_MISSINGDOMAIN: 'f' }],
    ['authentication mode', { CVM_LOOKUP_SECRET: undefined }],
  ];
  for (const [label, extra] of variants) await compare(t, c, some, theirs, ours, { ...base, ...extra }, label);
  const lookaside = [['joe-vm', 'example.org'], ['joe-vm2', 'example.org'], ['joe-plain', 'example.org'], ['joe-pre', 'example.org'], ['someone', 'x.wild.test']] as Array<[string, string]>;
  await compare(t, c, lookaside, theirs, ours, { ...base, CVM_QMAIL_LOOKASIDE: '/usr/bin/vdeliver' }, 'LOOKASIDE');
  writeFileSync(join(root, 'control/envnoathost'), 'virt.test\n');
  await compare(t, c, [['info', ''], ['joe', '']], theirs, ours, base, 'envnoathost');
  writeFileSync(join(root, 'control/envnoathost'), 'example.org  \n');
  await compare(t, c, [['joe', '']], theirs, ours, base, 'envnoathost with blanks');
  rmSync(join(root, 'control/virtualdomains'));
  await compare(t, c, [['joe', 'example.org'], ['info', 'virt.test']], theirs, ours, base, 'no virtualdomains');
  rmSync(join(root, 'users/cdb'));
  const passwd: Array<[string, string]> = [['root', 'example.org'], ['Root', 'example.org'], ['www-data', 'example.org'], ['WWW-Data', 'example.org'], ['www-data-foo', 'example.org'], ['_apt', 'example.org'], ['joe', 'example.org']];
  await compare(t, c, passwd, theirs, ours, base, 'no users/cdb');
  rmSync(join(root, 'control/locals'));
  await compare(t, c, [['root', 'example.org']], theirs, ours, base, 'no locals');
});

t.test('CHECK_PERMS', { skip: process.getuid?.() !== 0 && 'needs root' }, async (t) => {
  const c = requireOracles(t, ORACLES, ORACLE_ENV);
  if (!c) return;
  const root = await qmailTree(t, c.cdb);
  chmodSync(join(root, '..'), 0o755);
  const base = { ...process.env, QMAIL_ROOT: root, CVM_LOOKUP_SECRET: '' };
  const pairs: Array<[string, string]> = [['joe-list', 'example.org'], ['joe-nolist', 'example.org'], ['joe', 'example.org']];
  const theirs = `cvm-command:${c['cvm-qmail']}`;
  const ours = `cvm-command:${OUR_CVM_QMAIL}`;
  await compare(t, c, pairs, theirs, ours, { ...base, CVM_QMAIL_CHECK_PERMS: '1' }, 'readable home');
  chmodSync(join(root, 'home/joe'), 0o700);
  await compare(t, c, pairs, theirs, ours, { ...base, CVM_QMAIL_CHECK_PERMS: '1' }, 'closed home, error');
  await compare(t, c, pairs, theirs, ours, { ...base, CVM_QMAIL_CHECK_PERMS: '-' }, 'closed home, reject');
});

t.test('raw packets into both modules: same reply, same status', async (t) => {
  const c = requireOracles(t, ORACLES, ORACLE_ENV);
  if (!c) return;
  const root = await qmailTree(t, c.cdb);
  const env = { ...process.env, QMAIL_ROOT: root, CVM_LOOKUP_SECRET: '' };
  let state = 424242;
  const random = (n: number) => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) % n;
  };
  const seeds = [
    '0200 0103 6a6f65 020b 6578616d706c652e6f7267 00',
    '0202 abcd 0108 6a6f652d6c697374 020b 6578616d706c652e6f7267 00',
    '016a6f6500 6578616d706c652e6f726700 00',
    '0200 0104 696e666f 0209 766972742e74657374 00',
  ].map((s) => Buffer.from(s.replace(/\s+/g, ''), 'hex'));
  const packets: Buffer[] = [];
  for (let i = 0; i < 120; i++) {
    let p = Buffer.from(seeds[random(seeds.length)]!);
    const edit = random(4);
    const at = random(p.length);
    if (edit === 0) p[at] = random(256);
    else if (edit === 1) p = p.subarray(0, at);
    else if (edit === 2) p = Buffer.concat([p.subarray(0, at), Buffer.from([random(256)]), p.subarray(at)]);
    else p = Buffer.concat([p, Buffer.alloc(random(4))]);
    // cvm 0.97 crashes on a v2 request shorter than 3 bytes: a documented difference, not compared.
    if (p[0] === 2 && p.length < 3) continue;
    packets.push(p);
  }
  let same = 0;
  for (const packet of packets) {
    const theirs = await run(c['cvm-qmail'], [], { env, input: packet });
    const ours = await run(OUR_CVM_QMAIL, [], { env, input: packet });
    const equal = theirs.status === ours.status && theirs.stdout.equals(ours.stdout);
    if (equal) same++;
    else t.fail(`packet ${packet.toString('hex')}: C ${theirs.status} ${theirs.stdout.toString('hex')}, ours ${ours.status} ${ours.stdout.toString('hex')}`);
  }
  t.equal(same, packets.length, `${same} packets answered identically`);
});
