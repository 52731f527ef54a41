/** The shared fixture qmail tree in a scratch directory, users/cdb compiled by our qmail-newu. */
import { join, resolve } from 'node:path';
import { copyTree, scratchDir, type Teardown } from '@mailfront/testkit';

export { collector } from '@mailfront/testkit';
import { compileUsersAssign } from '@mailfront/qmail';

export const FIXTURE_TREE = resolve(import.meta.dirname, '../../../../test/fixtures/qmail-tree');

export function qmailTree(t: Teardown): string {
  const root = join(scratchDir(t), 'q');
  copyTree(FIXTURE_TREE, root, { '@ROOT@': root });
  compileUsersAssign(root);
  return root;
}
