/**
 * cvm-qmail's environment (cvm 0.97 names and meanings).
 *
 *   QMAIL_ROOT               the qmail tree (default /var/qmail)
 *   CVM_QMAIL_ASSUME_LOCAL   set (even empty): unknown domains are local
 *   CVM_QMAIL_MISSINGDOMAIN  set: unknown domains map to MISSINGUSER with
 *                            this domain fact ('' means localhost)
 *   CVM_QMAIL_MISSINGUSER    the user for that (default alias)
 *   CVM_QMAIL_LOOKASIDE      programs (space-separated): an address whose
 *                            .qmail pipes to one is "not mine" (out of scope)
 *   CVM_QMAIL_CHECK_PERMS    set: look for .qmail files as the user; a value
 *                            starting with '-' makes "permission denied" a
 *                            rejection instead of a temporary error
 */
import type { Env } from '@mailfront/core';
import { DEFAULT_QMAIL_ROOT } from '@mailfront/qmail';

export interface QmailModuleSettings {
  root: string;
  assumeLocal: boolean;
  /** The domain fact for unknown domains; undefined: they are out of scope. */
  missingDomain: string | undefined;
  missingUser: string;
  lookaside: readonly string[];
  checkPerms: 'off' | 'error' | 'reject';
}

export function settingsFromEnv(env: Env): QmailModuleSettings {
  const missingDomain = env.CVM_QMAIL_MISSINGDOMAIN;
  const checkPerms = env.CVM_QMAIL_CHECK_PERMS;
  return {
    root: env.QMAIL_ROOT || DEFAULT_QMAIL_ROOT,
    assumeLocal: env.CVM_QMAIL_ASSUME_LOCAL !== undefined,
    missingDomain: missingDomain === undefined ? undefined : missingDomain || 'localhost',
    missingUser: env.CVM_QMAIL_MISSINGUSER || 'alias',
    lookaside: (env.CVM_QMAIL_LOOKASIDE ?? '').split(' ').filter((name) => name !== ''),
    checkPerms: !checkPerms ? 'off' : checkPerms.startsWith('-') ? 'reject' : 'error',
  };
}
