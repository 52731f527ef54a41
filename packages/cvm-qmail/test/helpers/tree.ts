/** The shared fixture qmail tree in a scratch directory, users/cdb compiled by our qmail-newu. */
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { copyTree, scratchDir, type Teardown } from '@mailfront/testkit';
import { compileUsersAssign } from '@mailfront/qmail';

export const FIXTURE_TREE = resolve(import.meta.dirname, '../../../../test/fixtures/qmail-tree');

export function qmailTree(t: Teardown): string {
  const root = join(scratchDir(t), 'q');
  copyTree(FIXTURE_TREE, root, { '@ROOT@': root });
  compileUsersAssign(root);
  return root;
}

export function collector(): { stream: Writable; bytes: () => Buffer; text: () => string } {
  const parts: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      parts.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
      cb();
    },
  });
  return { stream, bytes: () => Buffer.concat(parts), text: () => Buffer.concat(parts).toString('utf8') };
}
