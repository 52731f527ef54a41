import t from 'tap';
import { mkdirSync, symlinkSync, writeFileSync, chmodSync, copyFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { scratchDir } from '@mailfront/testkit';
import { IN_PROCESS, ProgramTable, projectBinary } from '../src/programs.js';

const dir = scratchDir(t);

/** What `npm i -g` leaves: PREFIX/lib/node_modules/@mailfront/NAME with its bin linked into PREFIX/bin. */
function install(prefix: string, name: string, scope = '@mailfront'): string {
  const root = join(prefix, 'lib/node_modules', scope, name);
  mkdirSync(join(root, 'dist'), { recursive: true });
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: `${scope}/${name}`, bin: { [name]: `dist/${name}.js` } }));
  writeFileSync(join(root, 'dist', `${name}.js`), '#!/usr/bin/env node\n');
  chmodSync(join(root, 'dist', `${name}.js`), 0o755);
  mkdirSync(join(prefix, 'bin'), { recursive: true });
  symlinkSync(join(root, 'dist', `${name}.js`), join(prefix, 'bin', name));
  return join(prefix, 'bin', name);
}

const prefix = join(dir, 'usr/local');
const ours = install(prefix, 'rblsmtpd');
install(prefix, 'mailfront-smtpd');
install(prefix, 'mailfront-pop3d');
const foreign = install(join(dir, 'other'), 'rblsmtpd', '@someone');
const system = join(dir, 'usr/bin');
mkdirSync(system, { recursive: true });
writeFileSync(join(system, 'rblsmtpd'), '#!/bin/sh\n');
chmodSync(join(system, 'rblsmtpd'), 0o755);

t.test('a binary is ours when the package.json beside its dist/ names it', async (t) => {
  t.equal(projectBinary(ours), 'rblsmtpd', 'through the symlink');
  t.equal(projectBinary(join(prefix, 'lib/node_modules/@mailfront/rblsmtpd/dist/rblsmtpd.js')), 'rblsmtpd', 'the file itself');
  t.equal(projectBinary(foreign), undefined, 'another scope');
  t.equal(projectBinary(join(system, 'rblsmtpd')), undefined, 'the C one');
  t.equal(projectBinary(join(dir, 'nothing')), undefined);
  const copy = join(dir, 'copy/dist');
  mkdirSync(copy, { recursive: true });
  copyFileSync(ours, join(copy, 'rblsmtpd.js'));
  t.equal(projectBinary(join(copy, 'rblsmtpd.js')), undefined, 'no package.json beside it');
  writeFileSync(join(dir, 'copy/package.json'), '{ not json');
  t.equal(projectBinary(join(copy, 'rblsmtpd.js')), undefined);
  writeFileSync(join(dir, 'copy/package.json'), JSON.stringify({ name: '@mailfront/rblsmtpd', bin: 'dist/rblsmtpd.js' }));
  t.equal(projectBinary(join(copy, 'rblsmtpd.js')), undefined, 'a bin that is no map');
});

t.test('resolution follows PATH: ours in-process, the same name elsewhere spawned', async (t) => {
  const table = new ProgramTable();
  const inProcess = table.resolve('rblsmtpd', `${prefix}/bin:${system}`);
  t.match(inProcess, { kind: 'in-process', file: ours });
  t.equal(inProcess.kind === 'in-process' && inProcess.program, IN_PROCESS.get('rblsmtpd'));
  t.same(table.resolve('rblsmtpd', `${system}:${prefix}/bin`), { kind: 'spawn', file: join(system, 'rblsmtpd') });
  t.same(table.resolve(ours, ''), { kind: 'in-process', file: ours, program: IN_PROCESS.get('rblsmtpd') }, 'a path as given');
  t.same(table.resolve('mailfront-pop3d', `${prefix}/bin`), { kind: 'spawn', file: join(prefix, 'bin/mailfront-pop3d') }, 'ours, but never in-process');
  t.same(table.resolve('no-such-program', `${prefix}/bin`), { kind: 'missing' });
});

t.test('lookups are cached for a second, and forgotten on request', async (t) => {
  let now = 0;
  const table = new ProgramTable(IN_PROCESS, () => now);
  const path = join(dir, 'cachebin');
  mkdirSync(path);
  t.same(table.resolve('late', path), { kind: 'missing' });
  writeFileSync(join(path, 'late'), '#!/bin/sh\n');
  chmodSync(join(path, 'late'), 0o755);
  t.same(table.resolve('late', path), { kind: 'missing' }, 'cached');
  now = 1000;
  t.same(table.resolve('late', path), { kind: 'spawn', file: join(path, 'late') }, 'checked again after a second');
  renameSync(join(path, 'late'), join(path, 'gone'));
  table.forget();
  t.same(table.resolve('late', path), { kind: 'missing' }, 'forget() drops the cache at once');
});

t.test('describe: the chain as the start-up log shows it', async (t) => {
  const table = new ProgramTable();
  const path = `${prefix}/bin:${system}`;
  t.same(table.describe(['rblsmtpd', '-t', '5', 'mailfront-smtpd', 'qmail', 'check-fqdn'], path), [
    `rblsmtpd (in-process, ${ours})`,
    `mailfront-smtpd (in-process, ${join(prefix, 'bin/mailfront-smtpd')})`,
  ]);
  t.same(table.describe(['rblsmtpd', '-q'], path), [`rblsmtpd (in-process, ${ours})`], 'a usage error: the chain cannot be told further');
  t.same(table.describe(['nowhere', 'x'], path), ['nowhere (not found)']);
  t.same(table.describe([join(system, 'rblsmtpd'), 'mailfront-smtpd'], path), [`${join(system, 'rblsmtpd')} (spawned, ${join(system, 'rblsmtpd')})`]);
});
