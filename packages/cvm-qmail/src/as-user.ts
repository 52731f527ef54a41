/**
 * CVM_QMAIL_CHECK_PERMS: look for .qmail files with the user's effective
 * uid and gid, as qmail-local (running as the user) would find them. The
 * lookup is synchronous, so no other request runs while the ids are
 * switched; they are restored whatever happens.
 */
import type { ExistsCheck } from '@mailfront/qmail';

export function asUser(uid: number, gid: number, check: ExistsCheck): ExistsCheck {
  return (path) => {
    const savedUid = process.geteuid!();
    const savedGid = process.getegid!();
    process.setegid!(gid);
    try {
      process.seteuid!(uid);
      try {
        return check(path);
      } finally {
        process.seteuid!(savedUid);
      }
    } finally {
      process.setegid!(savedGid);
    }
  };
}
