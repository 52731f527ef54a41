// The check itself: every relative link and anchor in README.md, the package
// READMEs and docs/ leads somewhere.
import t from 'tap';
import { fileURLToPath } from 'node:url';
import { checkLinks, documentationFiles, formatProblem } from '../src/index.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

t.test('README.md, the package READMEs and docs/ have no broken link', async (t) => {
  const files = documentationFiles(ROOT);
  t.ok(files.includes('README.md') && files.includes('docs/README.md'), `${files.length} files checked`);
  const problems = checkLinks(ROOT, files);
  t.same(problems.map(formatProblem), [], 'no broken link');
});
