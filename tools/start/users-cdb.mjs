// Builds users/cdb of a qmail tree (qmail-newu). There is no qmail-newu
// binary in this repository, and the library that has one is TypeScript
// source: bundle qmail-newu.ts with esbuild (a devDependency, so present
// after `npm ci`) into the working directory and call it.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundleTs } from '../bundle-ts.mjs';

export async function compileUsersCdb(qmailRoot, workDir) {
  const outfile = await bundleTs(join(import.meta.dirname, 'qmail-newu.ts'), join(workDir, 'qmail-newu.mjs'));
  const { qmailNewu } = await import(pathToFileURL(outfile).href);
  return qmailNewu(qmailRoot);
}
