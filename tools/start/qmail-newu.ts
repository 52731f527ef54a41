// qmail-newu for the example tree: compiles QMAILHOME/users/assign into
// users/cdb with the same code cvm-qmail's tests use. The libraries are
// TypeScript source, so the start command bundles this file with esbuild
// (see users-cdb.mjs) instead of running it directly.
import { compileUsersAssign } from '@mailfront/qmail';

export function qmailNewu(root: string): number {
  return compileUsersAssign(root);
}
