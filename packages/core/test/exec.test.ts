import t from 'tap';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { run, scratchDir, supportedRuntimes } from '@mailfront/testkit';
import { ExecError, execProgram, findExecutable, withoutExecveWarning } from '../src/exec.js';
import { execProblem } from '../src/exec-check.js';

const dir = scratchDir(t);
const demo = join(dir, 'exec-demo.mjs');
await build({
  entryPoints: [join(import.meta.dirname, 'fixtures/exec-demo.ts')],
  outfile: demo,
  bundle: true,
  platform: 'node',
  format: 'esm',
  logLevel: 'warning',
});
const runtimes = supportedRuntimes();

function pids(stdout: Buffer): string[] {
  return [...stdout.toString().matchAll(/pid (\d+)/g)].map((m) => m[1]!);
}

function script(name: string, text: string, mode = 0o755): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  chmodSync(file, mode);
  return file;
}

t.test('findExecutable searches PATH like execvp', async (t) => {
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'tool'), '#!/bin/sh\n');
  chmodSync(join(bin, 'tool'), 0o755);
  writeFileSync(join(bin, 'plain'), 'not executable');
  mkdirSync(join(bin, 'adir'));
  t.equal(findExecutable('tool', `/nonexistent:${bin}`), join(bin, 'tool'));
  t.equal(findExecutable('plain', bin), undefined);
  t.equal(findExecutable('adir', bin), undefined);
  t.equal(findExecutable('./relative/x', bin), './relative/x', 'a name with a slash is taken as is');
  t.equal(findExecutable('', bin), undefined);
  t.equal(findExecutable('sh', undefined), '/bin/sh', 'default PATH');
});

t.test('execProblem: the kernel\'s reasons, found before execve', async (t) => {
  const elfGarbage = script('elf', Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46]), Buffer.alloc(60)]).toString('latin1'));
  t.equal(execProblem('/bin/sh'), undefined, 'an ELF program');
  t.equal(execProblem(script('ok.sh', '#!/bin/sh\nexit 0\n')), undefined, 'a script with a good interpreter');
  t.equal(execProblem(script('args.sh', '#! /bin/sh -e\nexit 0\n')), undefined, 'interpreter with an argument');
  t.equal(execProblem(join(dir, 'missing')), 'file does not exist');
  t.equal(execProblem(join(dir, 'ok.sh', 'below')), 'file does not exist', 'a file used as a directory');
  t.equal(execProblem(dir), 'access denied', 'a directory');
  t.equal(execProblem(script('noexec.sh', '#!/bin/sh\n', 0o644)), 'access denied');
  t.equal(execProblem(script('bad.sh', '#!/nonexistent/sh\n')), 'bad interpreter /nonexistent/sh: file does not exist');
  t.equal(execProblem(script('empty.sh', '#!\n')), 'exec format error', 'no interpreter named');
  const chained = script('chain1', `#!${script('chain0', '#!/bin/sh\n')}\n`);
  t.equal(execProblem(chained), undefined, 'an interpreter that is itself a script');
  let deep = '/bin/sh';
  for (let i = 0; i < 6; i++) deep = script(`deep${i}`, `#!${deep}\n`);
  t.match(execProblem(deep), /too many levels of interpreters$/);
  const loop = join(dir, 'loop');
  symlinkSync(loop, loop);
  t.equal(execProblem(loop), 'too many levels of symbolic links');
  t.equal(execProblem(elfGarbage), undefined, 'an ELF header is left to execve');
  const formats = await import('node:fs').then((fs) => {
    try {
      return fs.readdirSync('/proc/sys/fs/binfmt_misc').filter((n) => n !== 'register' && n !== 'status').length;
    } catch {
      return -1;
    }
  });
  const noShebang = script('plain.sh', 'echo no shebang\n');
  t.equal(execProblem(noShebang), formats === 0 ? 'exec format error' : undefined, `text without #! (binfmt_misc entries: ${formats})`);
});

for (const node of runtimes) {
  t.test(`Node ${node.version}: the program replaces this process`, async (t) => {
    const r = await run(node.path, [demo, 'leave', 'sh', '-c', 'echo sh pid $$; exit 5']);
    t.equal(r.status, 5);
    const [nodePid, shPid] = pids(r.stdout);
    t.equal(shPid, nodePid, 'same pid: exec, not spawn');
    t.equal(r.stderr.toString(), 'exec-demo: handing over\n', 'the queued log line, and no ExperimentalWarning');
  });

  t.test(`Node ${node.version}: a program that cannot run gets its message and 111, not an abort`, async (t) => {
    const cases: Array<[string, RegExp]> = [
      ['no-such-program-xyz', /unable to run no-such-program-xyz: file does not exist/],
      [join(dir, 'missing'), /file does not exist/],
      [dir, /access denied/],
      [script('bad-interpreter.sh', '#!/nonexistent/perl\n'), /bad interpreter \/nonexistent\/perl/],
    ];
    for (const [program, message] of cases) {
      const r = await run(node.path, [demo, 'leave', program]);
      t.equal(r.status, 111, program);
      t.match(r.stderr.toString(), message);
      t.match(r.stderr.toString(), /^exec-demo: handing over\n/);
      t.notMatch(r.stderr.toString(), /Warning/);
    }
  });
}

t.test('the program can read a stdin we touched (blocking again)', async (t) => {
  const child = spawn(process.execPath, [demo, 'touch', 'cat'], { stdio: 'pipe' });
  const out: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => out.push(b));
  let err = '';
  child.stderr.on('data', (b: Buffer) => (err += b));
  await new Promise((r) => setTimeout(r, 300));
  child.stdin.end('late input\n');
  const code = await new Promise((r) => child.on('close', r));
  t.equal(code, 0, err);
  t.match(Buffer.concat(out).toString(), /late input\n$/);
});

t.test('the environment given is the one the program sees', async (t) => {
  const env = { PATH: '/bin:/usr/bin', ONLY_THIS: 'yes', DROPPED: undefined };
  const r = await run(process.execPath, [demo, 'leave', 'sh', '-c', 'echo "[$ONLY_THIS][${DROPPED-unset}]"'], {
    env: env as NodeJS.ProcessEnv,
  });
  t.match(r.stdout.toString(), /\[yes\]\[unset\]/);
});

const major = Number(process.versions.node.split('.')[0]);
t.test('a real execve that fails after the checks throws an ExecError, without a warning', { skip: major < 25 && 'Node 22 and 24 abort instead' }, async (t) => {
  const elf = script('bad-elf', Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46]), Buffer.alloc(60)]).toString('latin1'));
  const r = await run(process.execPath, [demo, 'leave', elf]);
  t.equal(r.status, 111);
  t.match(r.stderr.toString(), /^exec-demo: handing over\nexec-demo: fatal: unable to run .*bad-elf: /);
  t.notMatch(r.stderr.toString(), /ExperimentalWarning/);
});

t.test('in this process: a real execve that fails after the checks is an ExecError', { skip: major < 25 && 'Node 22 and 24 abort instead' }, async (t) => {
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
  process.on('warning', onWarning);
  t.teardown(() => void process.off('warning', onWarning));
  const elf = script('bad-elf-2', Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46]), Buffer.alloc(60)]).toString('latin1'));
  await t.rejects(execProgram([elf], {}), { name: 'ExecError', message: /^unable to run .*bad-elf-2: / });
  await new Promise((resolve) => setTimeout(resolve, 20));
  t.same(warnings.filter((w) => w.includes('execve')), [], 'no ExperimentalWarning for execve');
});

t.test('withoutExecveWarning drops that one warning and passes every other', async (t) => {
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
  process.on('warning', onWarning);
  t.teardown(() => void process.off('warning', onWarning));
  const emit = process.emitWarning;
  t.equal(
    withoutExecveWarning(() => {
      process.emitWarning('process.execve is an experimental feature', 'ExperimentalWarning');
      process.emitWarning(Object.assign(new Error('process.execve again'), { name: 'ExperimentalWarning' }));
      process.emitWarning('something else is experimental', { type: 'ExperimentalWarning' });
      process.emitWarning('execve mentioned in a deprecation', 'DeprecationWarning');
      return 5;
    }),
    5,
  );
  t.equal(process.emitWarning, emit, 'restored');
  await new Promise((resolve) => setTimeout(resolve, 20));
  t.same(warnings, ['ExperimentalWarning: something else is experimental', 'DeprecationWarning: execve mentioned in a deprecation']);
});

t.test('a stand-in execve: called with the resolved file, argv and a clean env; its status comes back', async (t) => {
  const calls: unknown[] = [];
  let flushed = false;
  const code = await execProgram(['sh', '-c', 'x'], { PATH: '/bin', GONE: undefined, KEPT: 'k' }, {
    beforeExec: async () => void (flushed = true),
    execve: (file, args, env) => {
      calls.push({ file, args, env, flushed });
      return 9;
    },
  });
  t.equal(code, 9);
  t.same(calls, [{ file: '/bin/sh', args: ['sh', '-c', 'x'], env: { PATH: '/bin', KEPT: 'k' }, flushed: true }]);
});

t.test('failures are ExecErrors', async (t) => {
  await t.rejects(execProgram([], {}), /no program given/);
  await t.rejects(execProgram(['no-such-program-xyz'], { PATH: '/bin' }), ExecError);
  await t.rejects(execProgram([dir], {}), { name: 'ExecError', message: /access denied/ });
  const failing = () => {
    throw Object.assign(new Error('EACCES, Permission denied'), { code: 'EACCES' });
  };
  await t.rejects(execProgram(['/bin/sh'], {}, { execve: failing }), { name: 'ExecError', message: /unable to run \/bin\/sh: access denied/ });
  const other = () => {
    throw new Error('E2BIG, Argument list too long');
  };
  await t.rejects(execProgram(['/bin/sh'], {}, { execve: other }), { message: /E2BIG/ });
});
