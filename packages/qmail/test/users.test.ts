import t from 'tap';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CdbReader, formatCdbText } from '@mailfront/cdb64';
import { scratchDir } from '@mailfront/testkit';
import { findDotQmail } from '../src/dot-qmail.js';
import { parsePasswd, PasswdFile } from '../src/passwd.js';
import { findRecipient, lookupUser } from '../src/user-lookup.js';
import { compileUsersAssign, MalformedUserRecordError, parseUserRecord, UsersAssignError, usersCdbRecords } from '../src/users.js';
import { qmailTree } from './helpers/tree.js';

t.test('qmail-newu records (reference A.0 dump)', async (t) => {
  const records = usersCdbRecords('=joe:joe:2002:2002:/q/home/joe:::\n+joe-:joe:2002:2002:/q/home/joe:-::\n+:alias:7790:2108:/q/alias:-::\n=ExtUser:joe:2002:2002:/q/home/joe:-:sub:\n.\nignored\n');
  t.equal(
    formatCdbText(records).toString('latin1'),
    '+5,27:!joe\0->joe\x002002\x002002\0/q/home/joe\0\0\n' +
      '+5,28:!joe-->joe\x002002\x002002\0/q/home/joe\0-\0\n' +
      '+1,27:!->alias\x007790\x002108\0/q/alias\0-\0\n' +
      '+9,31:!extuser\0->joe\x002002\x002002\0/q/home/joe\0-\0sub\n' +
      '+0,1:->-\n\n',
  );
  t.throws(() => usersCdbRecords('=joe:joe\n.\n'), UsersAssignError);
  t.throws(() => usersCdbRecords(':joe:a:b:c:d:e:f:\n.\n'), UsersAssignError);
  t.throws(() => usersCdbRecords('=j\0oe:joe:1:1:/:::\n.\n'), UsersAssignError);
  t.throws(() => usersCdbRecords('=joe:joe:1:1:/:::\n'), /does not end/);
});

t.test('users/cdb records', async (t) => {
  t.same(parseUserRecord(Buffer.from('joe\x002002\x002002\0/h\0-\0Sub.X')), { user: 'joe', uid: 2002, gid: 2002, home: '/h', dash: '-', userext: 'Sub.X' });
  t.same(parseUserRecord(Buffer.from('a\0x\0\0/h\0\0')).uid, 0);
  t.throws(() => parseUserRecord(Buffer.from('bad')), MalformedUserRecordError);
});

t.test('passwd', async (t) => {
  const map = parsePasswd(Buffer.from('root:x:0:0:root:/root:/bin/bash\n+nis::::::\nbad:x:y:0::/:\nshort:x\nroot:x:9:9::/other:\n'));
  t.same(map.get('root'), { name: 'root', uid: 0, gid: 0, gecos: 'root', home: '/root', shell: '/bin/bash' });
  t.equal(map.size, 1);
  t.equal(new PasswdFile(join(scratchDir(t), 'none')).getpwnam('root'), undefined);
});

t.test('user search with users/cdb (reference §9.4, A.1, A.2)', async (t) => {
  const root = qmailTree(t);
  const users = CdbReader.open(join(root, 'users/cdb'));
  t.teardown(() => users.close());
  const passwd = new PasswdFile();
  const sources = { users, passwd };
  const home = (name: string) => join(root, 'home', name);
  t.match(findRecipient('joe', sources), { user: 'joe', home: home('joe'), dash: '', ext: '' });
  t.match(findRecipient('JOE-List', sources), { user: 'joe', dash: '-', ext: 'List' });
  t.match(findRecipient('joe-wild-x', sources), { user: 'joe', ext: 'wild-x' });
  t.match(findRecipient('postmaster', sources), { user: 'alias', dash: '-', ext: 'postmaster' });
  t.match(findRecipient('extuser', sources), { user: 'joe', dash: '-', userext: 'sub', ext: '' });
  t.match(findRecipient('nobody', sources), { user: 'nobody', uid: 65534, dash: '', ext: '' });
  t.match(findRecipient('Root', sources), { user: 'alias', ext: 'Root' }, 'original case for passwd when users/cdb exists');
  t.match(findRecipient('-joe', sources), { user: 'alias', ext: 'joe' });
  t.same(lookupUser('', true, sources)?.user, 'alias');
  const noCdb = { users: undefined, passwd };
  t.match(findRecipient('Root', noCdb), { user: 'root', uid: 0, ext: '' });
  t.match(findRecipient('www-data-foo', noCdb), { user: 'www-data', dash: '-', ext: 'foo' });
  t.equal(findRecipient('no-such-user', noCdb), undefined, 'no alias user in passwd');
});

t.test('.qmail search (reference §9.5)', async (t) => {
  const root = qmailTree(t, false);
  const joe = join(root, 'home/joe');
  t.equal(findDotQmail(joe, '', '', ''), '');
  t.equal(findDotQmail(joe, '', '', 'x'), undefined);
  t.equal(findDotQmail(joe, '-', '', 'LIST'), `${joe}/.qmail-list`);
  t.equal(findDotQmail(joe, '-', '', 'wild-x'), `${joe}/.qmail-wild-default`);
  t.equal(findDotQmail(joe, '-', '', 'wild'), undefined);
  t.equal(findDotQmail(joe, '-', '', 'DOT.ted'), `${joe}/.qmail-dot:ted`);
  t.equal(findDotQmail(joe, '-', 'Sub.X', ''), `${joe}/.qmail-Sub.X`, 'the stored ext is used verbatim');
  t.equal(findDotQmail(joe, '-', 'Sub.X', 'More.Y'), undefined);
  t.equal(findDotQmail(join(root, 'home/wuser'), '-', '', 'a-b-c'), `${root}/home/wuser/.qmail-default`);
  t.equal(findDotQmail(join(root, 'home/wuser'), '-', '', ''), `${root}/home/wuser/.qmail-default`, '.qmail- then .qmail-default');
  const dashed = join(root, 'a-b');
  mkdirSync(dashed);
  t.equal(findDotQmail(dashed, '-', '', 'x'), undefined, 'a dash in the home path is never used');
  writeFileSync(join(root, 'file'), '');
  t.throws(() => findDotQmail(join(root, 'file'), '-', '', 'x'), { code: 'ENOTDIR' }, 'errors other than ENOENT are thrown');
});

t.test('compileUsersAssign writes users/cdb atomically', async (t) => {
  const root = qmailTree(t, false);
  t.equal(compileUsersAssign(root), 11);
  const cdb = CdbReader.open(join(root, 'users/cdb'));
  t.equal(cdb.get('')?.toString(), '-');
  cdb.close();
  rmSync(join(root, 'users/cdb'));
  chmodSync(join(root, 'users'), 0o755);
  t.ok(readFileSync(join(root, 'users/assign')).includes(root));
});
