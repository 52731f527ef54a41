// Builds users/cdb of a qmail tree (qmail-newu). There is no qmail-newu
// binary in this repository, and the library that has one is TypeScript
// source: bundle qmail-newu.ts with esbuild (a devDependency, so present
// after `npm ci`) into the working directory and call it.
import { build } from 'esbuild';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export async function compileUsersCdb(qmailRoot, workDir) {
  const outfile = join(workDir, 'qmail-newu.mjs');
  await build({
    entryPoints: [join(import.meta.dirname, 'qmail-newu.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    logLevel: 'warning',
  });
  const { qmailNewu } = await import(pathToFileURL(outfile).href);
  return qmailNewu(qmailRoot);
}
