// The bundle in dist/, as a runscript runs it: `iprules-make || exit 1`.
import t from 'tap';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, scratchDir } from '@mailfront/testkit';

const bundle = join(import.meta.dirname, '../dist/iprules-make.js');

t.test('--version', async (t) => {
  const r = await run(bundle, ['--version']);
  t.equal(r.stdout.toString(), 'iprules-make 0.1.0\n');
});

t.test('in a service directory, with the defaults', async (t) => {
  const dir = scratchDir(t);
  mkdirSync(join(dir, 'iprules'));
  writeFileSync(join(dir, 'iprules/127.0.0.1'), '+RELAYCLIENT=\n');
  const ok = await run(bundle, [], { cwd: dir });
  t.equal(ok.status, 0);
  writeFileSync(join(dir, 'iprules/bad name'), '');
  const bad = await run(bundle, [], { cwd: dir });
  t.equal(bad.status, 100);
  t.match(bad.stderr.toString(), /^iprules-make\[\d+\]: error: iprules\/bad name: bad file name/);
});
