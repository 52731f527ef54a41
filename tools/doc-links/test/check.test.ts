import t from 'tap';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scratchDir } from '@mailfront/testkit';
import { checkLinks, formatProblem } from '../src/index.js';

t.test('every kind of broken link is reported with its file and line', async (t) => {
  const root = scratchDir(t);
  mkdirSync(join(root, 'docs/plugins'), { recursive: true });
  writeFileSync(join(root, 'docs/compat.md'), '# Compat\n\n## mailrules and patterns\n');
  writeFileSync(join(root, 'docs/examples.txt'), 'text\n');
  writeFileSync(
    join(root, 'docs/plugins/mailrules.md'),
    [
      '# mailrules',
      '[good](../compat.md#mailrules-and-patterns) [self](#mailrules) [dir](../plugins) [web](https://example.org/x.md)',
      '[missing file](../compat-mailrules-patterns.md)',
      '[missing anchor](../compat.md#nowhere)',
      '[anchor in text](../examples.txt#x)',
      '[outside](../../../etc/passwd)',
      '[missing self anchor](#options)',
      '[encoded](../compat.md#mailrules%20and) [root-relative](/docs/compat.md)',
    ].join('\n'),
  );
  const problems = checkLinks(root, ['docs/plugins/mailrules.md', 'docs/compat.md']);
  t.same(problems.map(formatProblem), [
    'docs/plugins/mailrules.md:3: (../compat-mailrules-patterns.md) docs/compat-mailrules-patterns.md does not exist',
    'docs/plugins/mailrules.md:4: (../compat.md#nowhere) docs/compat.md has no heading #nowhere',
    'docs/plugins/mailrules.md:5: (../examples.txt#x) an anchor into docs/examples.txt, which is not a Markdown file',
    'docs/plugins/mailrules.md:6: (../../../etc/passwd) points outside the repository',
    'docs/plugins/mailrules.md:7: (#options) docs/plugins/mailrules.md has no heading #options',
    'docs/plugins/mailrules.md:8: (../compat.md#mailrules%20and) docs/compat.md has no heading #mailrules and',
  ]);
});
