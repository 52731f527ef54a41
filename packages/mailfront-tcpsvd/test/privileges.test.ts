import t from 'tap';
import { DropError, dropPrivileges, resolveIds, UnknownUserError, type IdSetter } from '../src/privileges.js';

const files = {
  passwd: Buffer.from('root:x:0:0:root:/root:/bin/sh\nqmaild:x:1001:2001::/var/qmail:/bin/false\n'),
  group: Buffer.from('root:x:0:\nnofiles:x:2001:\nqmail:x:2002:alias\nmail:x:8:qmaild\n'),
};

t.test('-u values: a user, a user with groups, numbers', async (t) => {
  t.same(resolveIds('qmaild', files), { uid: 1001, gids: [2001] }, "the user's passwd group only, no /etc/group memberships");
  t.same(resolveIds('qmaild:qmail:mail', files), { uid: 1001, gids: [2002, 8] });
  t.same(resolveIds(':65534:65534:100', files), { uid: 65534, gids: [65534, 100] });
  for (const bad of ['nosuch', 'qmaild:nosuch', ':65534', ':x:1']) t.throws(() => resolveIds(bad, files), UnknownUserError, bad);
  t.throws(() => resolveIds('qmaild', { passwd: undefined, group: undefined }), /unknown user\/group: qmaild/);
});

function fakeProcess(fail?: string): IdSetter & { calls: string[] } {
  const calls: string[] = [];
  let uid = 0;
  let gid = 0;
  const step = (name: string, apply: () => void) => {
    calls.push(name);
    if (name.startsWith(fail ?? '-')) throw Object.assign(new Error('nope'), { code: 'EPERM' });
    apply();
  };
  return {
    calls,
    setgroups: (g) => step(`setgroups ${g.join(',')}`, () => {}),
    setgid: (g) => step(`setgid ${g}`, () => (gid = g)),
    setuid: (u) => step(`setuid ${u}`, () => (uid = u)),
    getuid: () => uid,
    getgid: () => gid,
  };
}

t.test('the drop: groups, then gid, then uid; any failure is fatal', async (t) => {
  const p = fakeProcess();
  dropPrivileges({ uid: 1001, gids: [2002, 8] }, p);
  t.same(p.calls, ['setgroups 2002,8', 'setgid 2002', 'setuid 1001']);
  for (const [fail, message] of [['setgroups', /unable to set groups: EPERM/], ['setgid', /unable to set gid/], ['setuid', /unable to set uid/]] as const) {
    t.throws(() => dropPrivileges({ uid: 1001, gids: [2002] }, fakeProcess(fail)), DropError);
    t.throws(() => dropPrivileges({ uid: 1001, gids: [2002] }, fakeProcess(fail)), message);
  }
  const liar = { ...fakeProcess(), getuid: () => 0 };
  t.throws(() => dropPrivileges({ uid: 1001, gids: [2002] }, liar), /the ids did not change/);
});
