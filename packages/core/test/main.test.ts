import t from 'tap';
import { Writable } from 'node:stream';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { build } from 'esbuild';
import { run, scratchDir } from '@mailfront/testkit';
import { drained, processIo } from '../src/main.js';

t.test('drained waits for the write to complete', async (t) => {
  let done = false;
  const slow = new Writable({
    write(_c, _e, cb) {
      setTimeout(() => {
        done = true;
        cb();
      }, 20);
    },
  });
  slow.write('x');
  await drained(slow);
  t.equal(done, true);
  slow.destroy();
  await drained(slow);
  t.pass('a destroyed stream is drained at once');
});

t.test('processIo gives the process streams', async (t) => {
  const io = processIo();
  t.equal(io.stdout, process.stdout);
  t.equal(io.stderr, process.stderr);
  t.equal(io.stdin, process.stdin);
});

t.test('runMain: exit status, full output, and a crash becomes 111', async (t) => {
  const dir = scratchDir(t);
  const entry = join(dir, 'prog.ts');
  const main = join(import.meta.dirname, '../src/main.ts');
  writeFileSync(
    entry,
    `import { runMain } from ${JSON.stringify(main)};
     runMain('prog', async (argv, env, io) => {
       if (argv[0] === 'crash') throw new Error('boom');
       io.stdout.write(Buffer.alloc(1 << 20, 0x61));
       io.stdout.write('end\\n');
       return Number(env.CODE);
     });`,
  );
  const out = join(dir, 'prog.mjs');
  await build({ entryPoints: [entry], outfile: out, bundle: true, platform: 'node', format: 'esm', logLevel: 'warning' });
  const ok = await run(process.execPath, [out], { env: { ...process.env, CODE: '3' } });
  t.equal(ok.status, 3);
  t.equal(ok.stdout.length, (1 << 20) + 4, 'all of stdout left before exit');
  const crash = await run(process.execPath, [out, 'crash']);
  t.equal(crash.status, 111);
  t.match(crash.stderr.toString(), /^prog\[\d+\]: Fatal: internal error: Error: boom/);
});
