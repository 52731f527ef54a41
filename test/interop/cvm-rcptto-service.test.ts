// docs/examples/cvm-rcptto: the recipient-validation service's runscript
// works as written: run under runit's chpst with its envdir, it serves the
// socket with the configured permissions, answers lookups, and removes the
// socket when stopped.
import t from 'tap';
import { spawn } from 'node:child_process';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { copyTree, findTool, requireOracles, scratchDir, untrackedEnv, waitFor } from '@mailfront/testkit';
import { ORACLE_ENV, OUR_TESTCLIENT, qmailTree, testclient } from './cvm-fixture.js';

const repository = resolve(import.meta.dirname, '../..');

t.test('the cvm-rcptto runscript', { skip: !findTool('chpst', ORACLE_ENV.PATH) && 'runit (chpst) is not installed' }, async (t) => {
  const c = requireOracles(t, ['cdb'], ORACLE_ENV);
  if (!c) return;
  const root = await qmailTree(t, c.cdb);
  const service = join(scratchDir(t), 'cvm-rcptto');
  copyTree(join(repository, 'docs/examples/cvm-rcptto'), service);
  const socket = join(service, 'socket');
  writeFileSync(join(service, 'env/QMAIL_ROOT'), `${root}\n`);
  writeFileSync(join(service, 'env/CVM_RCPTTO_SOCKET'), `${socket}\n`);
  writeFileSync(join(service, 'env/CVM_SOCKET_GROUP'), '0\n');
  // runsv starts ./run in the service directory with a PATH that finds cvm-qmail.
  const env = { ...process.env, PATH: `${join(repository, 'node_modules/.bin')}:${ORACLE_ENV.PATH}` };
  const child = spawn('./run', [], { cwd: service, env: untrackedEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (b: Buffer) => (log += b.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  await waitFor('the service to start', () => log.includes('Starting.'));
  t.ok(existsSync(socket), 'socket created');
  t.equal(statSync(socket).mode & 0o777, 0o660, 'CVM_SOCKET_MODE from env/');
  const client = { ...process.env, CVM_LOOKUP_SECRET: '' };
  t.match(await testclient(OUR_TESTCLIENT, [`cvm-local:${socket}`, 'joe', 'example.org'], client), /^user name: {8}joe\n[^]*\[exit 0\]$/);
  t.match(await testclient(OUR_TESTCLIENT, [`cvm-local:${socket}`, 'nosuch', 'example.org'], client), /out of scope: {5}0\n[^]*\[exit 100\]$/);
  child.kill('SIGTERM');
  t.equal(await exited, 0, 'stops cleanly');
  t.notOk(existsSync(socket), 'socket removed');
  t.match(log, /cvm-qmail\[\d+\]: Starting\.\ncvm-qmail\[\d+\]: \+ joe@example\.org\ncvm-qmail\[\d+\]: - nosuch@example\.org\ncvm-qmail\[\d+\]: Stopping\.\n/, 'log on stdout (exec 2>&1)');
});
