/** The shared fixture qmail tree, copied into a scratch directory with users/cdb compiled. */
import { join, resolve } from 'node:path';
import { copyTree, scratchDir, type Teardown } from '@mailfront/testkit';
import { compileUsersAssign } from '../../src/users.js';

export const FIXTURE_TREE = resolve(import.meta.dirname, '../../../../test/fixtures/qmail-tree');

export function qmailTree(t: Teardown, compile = true): string {
  const root = join(scratchDir(t), 'q');
  copyTree(FIXTURE_TREE, root, { '@ROOT@': root });
  if (compile) compileUsersAssign(root);
  return root;
}
