import t from 'tap';
import { Writable } from 'node:stream';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { build } from 'esbuild';
import { spawn } from 'node:child_process';
import { run, scratchDir, untrackedEnv } from '@mailfront/testkit';
import { drained, processIo } from '../src/main.js';
import { LogStream, processLog } from '../src/log-stream.js';

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

t.test('processIo gives the process streams, and the one log of the process', async (t) => {
  const io = processIo();
  t.equal(io.stdout, process.stdout);
  t.equal(io.stderr, processLog());
  t.equal(processIo().stderr, io.stderr, 'one LogStream per process');
  t.ok(io.stderr instanceof LogStream);
  t.equal(io.stdin, process.stdin);
});

t.test('drained flushes a LogStream and uncorks a corked stream', async (t) => {
  const log = new LogStream(-1);
  log.cork();
  log.write('x\n');
  await drained(log);
  t.equal(log.pendingBytes, 0);
  const chunks: string[] = [];
  const sink = new Writable({
    write(c, _e, cb) {
      chunks.push(String(c));
      cb();
    },
  });
  sink.cork();
  sink.cork();
  sink.write('a');
  await drained(sink);
  t.same(chunks.join(''), 'a');
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
       if (argv[0] === 'log') {
         for (let i = 0; i < 3000; i++) io.stderr.write(\`prog[1]: line \${i}\\n\`);
         if (argv[1] === 'signal') {
           io.stdout.write('ready\\n');
           await new Promise(() => setInterval(() => {}, 1000));
         }
         if (argv[1] === 'uncaught') setTimeout(() => { throw new Error('outside main'); }, 0);
         if (argv[1] === 'rejected') setTimeout(() => void Promise.reject(new Error('rejected outside main')), 0);
         if (argv[1] === 'uncaught' || argv[1] === 'rejected') await new Promise(() => setInterval(() => {}, 1000));
         return 0;
       }
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

  const lines = (b: Buffer) => b.toString().split('\n').filter((l) => l.startsWith('prog[1]: line '));
  const expected = Array.from({ length: 3000 }, (_, i) => `prog[1]: line ${i}`);
  const logged = await run(process.execPath, [out, 'log']);
  t.equal(logged.status, 0);
  t.same(lines(logged.stderr), expected, 'every log line, in order, before a normal exit');

  const uncaught = await run(process.execPath, [out, 'log', 'uncaught']);
  t.equal(uncaught.status, 111, 'an uncaught exception is a fatal error: 111');
  t.same(lines(uncaught.stderr), expected, 'and before the exit of an uncaught exception');
  t.match(uncaught.stderr.toString(), /^prog\[\d+\]: Fatal: internal error: Error: outside main/m);
  const rejected = await run(process.execPath, [out, 'log', 'rejected']);
  t.equal(rejected.status, 111, 'so is a rejection nobody handles');
  t.same(lines(rejected.stderr), expected, 'every line before it, too');
  t.match(rejected.stderr.toString(), /^prog\[\d+\]: Fatal: internal error: Error: rejected outside main/m);

  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    const child = spawn(process.execPath, [out, 'log', 'signal'], { stdio: ['ignore', 'pipe', 'pipe'], env: untrackedEnv() });
    const err: Buffer[] = [];
    child.stderr.on('data', (b: Buffer) => err.push(b));
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.kill(signal);
    const [code, got] = await new Promise<[number | null, string | null]>((resolve) => child.on('close', (c, s) => resolve([c, s])));
    t.same([code, got], [null, signal], `${signal}: the process still dies of the signal`);
    t.same(lines(Buffer.concat(err)), expected, `${signal}: every line written first`);
  }
});
