/**
 * Becoming the user the CVM named before anything of theirs is touched:
 * supplementary groups, then the group, then the user (the order that
 * leaves no way back). Only root can change ids; another user can only go
 * on as itself, and asking for someone else is an error, as it is for
 * pop3front-auth.
 */
import type { CvmAccount } from '@mailfront/cvm';

export interface ProcessIds {
  getuid(): number;
  setgroups(groups: number[]): void;
  setgid(id: number): void;
  setuid(id: number): void;
}

/** Throws when the ids cannot be changed. */
export function becomeUser(account: CvmAccount, ids: ProcessIds = process as unknown as ProcessIds): void {
  const groups = account.suppGroupIds.length > 0 ? account.suppGroupIds : [account.groupId];
  if (ids.getuid() === 0) ids.setgroups(groups);
  ids.setgid(account.groupId);
  ids.setuid(account.userId);
}
