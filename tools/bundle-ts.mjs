// Bundles a TypeScript entry (workspace packages are TypeScript source) into
// one ES module file that plain Node can import. Used by the benchmark
// runner and the start tool; binaries are built by build-bin.mjs.
import { build } from 'esbuild';

export async function bundleTs(entry, outfile) {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node22.19',
    format: 'esm',
    logLevel: 'warning',
  });
  return outfile;
}
