import t from 'tap';
import { chmodSync, mkdirSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { CvmRequest, type CvmLookupResult } from '@mailfront/cvm';
import { createLogger, recheckAllNow } from '@mailfront/core';
import { QmailModule } from '../src/qmail-module.js';
import { settingsFromEnv } from '../src/settings.js';
import { collector, qmailTree } from './helpers/tree.js';

function moduleFor(root: string, env: Record<string, string> = {}) {
  const log = collector();
  const module = new QmailModule(settingsFromEnv({ QMAIL_ROOT: root, ...env }), createLogger('cvm-qmail', log.stream));
  const ask = (account: string, domain?: string): CvmLookupResult & { domain?: string; user?: string; dir?: string } => {
    const request = new CvmRequest([undefined, Buffer.from(account), domain === undefined ? undefined : Buffer.from(domain)]);
    const result = module.lookup(request);
    if ('account' in result) return { ...result, domain: result.account.domain, user: result.account.username, dir: result.account.directory };
    return result;
  };
  return { module, ask, log: log.text };
}

t.test('domains and users (reference A.1, A.2)', async (t) => {
  const root = qmailTree(t);
  const { ask, module } = moduleFor(root);
  t.teardown(() => module.qmail.close());
  t.match(ask('joe', 'example.org'), { code: 0, user: 'joe', domain: 'example.org', dir: join(root, 'home/joe') });
  t.match(ask('JOE', 'Example.ORG'), { code: 0, domain: 'example.org' });
  t.match(ask('joe-LIST', 'example.org'), { code: 0 });
  t.match(ask('joe-nolist', 'example.org'), { code: 100, outOfScope: false });
  t.match(ask('joe-wild-x', 'example.org'), { code: 0 });
  t.match(ask('joe-wild', 'example.org'), { code: 100, outOfScope: false });
  t.match(ask('joe'), { code: 0, domain: 'mail.example.org' }, 'no domain: envnoathost, else me');
  t.match(ask('postmaster', 'localhost'), { code: 0, user: 'alias' });
  t.match(ask('Root', 'example.org'), { code: 100, outOfScope: false });
  t.match(ask('info', 'VIRT.TEST'), { code: 0, user: 'vuser', domain: 'virt.test' });
  t.match(ask('abc', 'Virt2.Test'), { code: 0, domain: 'virt2.test' });
  t.match(ask('anything', 'deep.a.Wild.Test'), { code: 0, user: 'wuser', domain: '.wild.test' });
  for (const domain of ['wild.test', 'addr.test', 'unknown.dom', 'spaced.test']) t.match(ask('joe', domain), { code: 100, outOfScope: true }, domain);
  t.match(ask('joe', 'empty.test'), { code: 0, domain: 'empty.test' });
  t.match(ask('anything', 'dup.test'), { code: 100, outOfScope: false }, 'the first duplicate wins');
  t.match(ask('extuser', 'example.org'), { code: 0 });
  t.match(ask('weird', 'example.org'), { code: 0 });
  t.match(ask('weird-More.Y', 'example.org'), { code: 100, outOfScope: false });
});

t.test('MISSINGDOMAIN, MISSINGUSER, ASSUME_LOCAL (reference A.7)', async (t) => {
  const root = qmailTree(t);
  t.match(moduleFor(root, { CVM_QMAIL_MISSINGDOMAIN: '' }).ask('whoever', 'unknown.dom'), { code: 0, user: 'alias', domain: 'localhost' });
  t.match(moduleFor(root, { CVM_QMAIL_MISSINGDOMAIN: 'fallback.dom', CVM_QMAIL_MISSINGUSER: 'joe-list' }).ask('x', 'u.dom'), { code: 0, user: 'joe', domain: 'fallback.dom' });
  t.match(moduleFor(root, { CVM_QMAIL_MISSINGDOMAIN: 'f', CVM_QMAIL_MISSINGUSER: 'joe-nolist' }).ask('x', 'u.dom'), { code: 100, outOfScope: false });
  t.match(moduleFor(root, { CVM_QMAIL_ASSUME_LOCAL: '', CVM_QMAIL_MISSINGDOMAIN: 'f' }).ask('joe', 'Unknown.DOM'), { code: 0, domain: 'unknown.dom' });
  t.match(moduleFor(root, { CVM_QMAIL_ASSUME_LOCAL: '1' }).ask('anything', 'x.wild.test'), { code: 0, domain: '.wild.test' });
});

t.test('changed files are seen within a second (here at once: recheckAllNow), me and envnoathost too (reference A.21)', async (t) => {
  const root = qmailTree(t);
  const { ask } = moduleFor(root);
  t.match(ask('info', 'new.test'), { code: 100, outOfScope: true });
  appendFileSync(join(root, 'control/virtualdomains'), 'new.test:vuser\n');
  recheckAllNow();
  t.match(ask('info', 'new.test'), { code: 0 });
  writeFileSync(join(root, 'control/me'), 'virt.test\n');
  recheckAllNow();
  t.match(ask('info'), { code: 0, domain: 'virt.test' }, 'a changed control/me is used (cvm keeps the old one)');
  writeFileSync(join(root, 'control/envnoathost'), 'example.org  \n');
  recheckAllNow();
  t.match(ask('joe'), { code: 100, outOfScope: true }, 'envnoathost is not trimmed (reference A.26)');
  rmSync(join(root, 'users/cdb'));
  recheckAllNow();
  t.match(ask('joe', 'example.org'), { code: 100, outOfScope: false }, 'users/cdb removed: passwd');
  t.match(ask('Root', 'example.org'), { code: 0, user: 'root' }, 'no users/cdb: passwd gets the lower-cased name');
  rmSync(join(root, 'control/virtualdomains'));
  recheckAllNow();
  t.match(ask('info', 'virt.test'), { code: 100, outOfScope: true }, 'virtualdomains may be missing');
  t.match(ask('root', 'example.org'), { code: 0 });
});

t.test('I/O problems are temporary errors, never "no such user"', async (t) => {
  const root = qmailTree(t);
  const { ask, log } = moduleFor(root);
  writeFileSync(join(root, 'users/cdb'), 'not a cdb');
  t.match(ask('joe', 'example.org'), { code: 4 });
  t.match(log(), /cvm-qmail\[\d+\]: Warning: lookup failed: /);
  const root2 = qmailTree(t);
  const m2 = moduleFor(root2);
  rmSync(join(root2, 'home/joe'), { recursive: true });
  writeFileSync(join(root2, 'home/joe'), '');
  t.match(m2.ask('joe-list', 'example.org'), { code: 4 }, 'ENOTDIR');
});

t.test('lookaside (reference A.10, A.11, fixed)', async (t) => {
  const root = qmailTree(t);
  const { ask } = moduleFor(root, { CVM_QMAIL_LOOKASIDE: '/usr/bin/other /usr/bin/vdeliver' });
  t.match(ask('joe-vm', 'example.org'), { code: 100, outOfScope: true });
  t.match(ask('joe-vm2', 'example.org'), { code: 0 });
  t.match(ask('joe-plain', 'example.org'), { code: 0 });
  t.match(ask('joe-pre', 'example.org'), { code: 0 });
  t.match(ask('joe', 'example.org'), { code: 0 }, 'no .qmail file involved: accepted (cvm: error 4 or a stale answer)');
  t.match(ask('joe-vm', 'example.org'), { code: 100 });
  t.match(ask('joe', 'example.org'), { code: 0 }, 'same answer after a lookaside match');
  t.match(ask('someone', 'x.wild.test'), { code: 100, outOfScope: true });
  t.match(moduleFor(root, { CVM_QMAIL_LOOKASIDE: '' }).ask('someone', 'x.wild.test'), { code: 0 });
});

t.test('CHECK_PERMS (reference A.12)', { skip: process.getuid?.() !== 0 && 'needs root' }, async (t) => {
  const root = qmailTree(t);
  chmodSync(join(root, '..'), 0o755);
  t.match(moduleFor(root, { CVM_QMAIL_CHECK_PERMS: '1' }).ask('joe-list', 'example.org'), { code: 0 });
  t.match(moduleFor(root, { CVM_QMAIL_CHECK_PERMS: '1' }).ask('joe-nolist', 'example.org'), { code: 100, outOfScope: false });
  chmodSync(join(root, 'home/joe'), 0o700);
  t.match(moduleFor(root, { CVM_QMAIL_CHECK_PERMS: '1' }).ask('joe-list', 'example.org'), { code: 4 });
  t.match(moduleFor(root, { CVM_QMAIL_CHECK_PERMS: '-' }).ask('joe-list', 'example.org'), { code: 100, outOfScope: false });
  t.match(moduleFor(root).ask('joe-list', 'example.org'), { code: 0 }, 'without it, root sees everything');
  t.equal(process.geteuid!(), 0, 'ids restored');
  mkdirSync(join(root, 'x'));
});
