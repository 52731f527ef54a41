import t from 'tap';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { run, scratchDir } from '@mailfront/testkit';
import { ExecError, execProgram, findExecutable } from '../src/exec.js';

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

const hasExecve = typeof (process as unknown as { execve?: unknown }).execve === 'function';
const node20 = ['/usr/bin/node', '/usr/local/bin/node'].find((p) => existsSync(p));

function pids(stdout: Buffer): string[] {
  return [...stdout.toString().matchAll(/pid (\d+)/g)].map((m) => m[1]!);
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

t.test('execve path: the program replaces this process', { skip: !hasExecve && 'runtime has no process.execve' }, async (t) => {
  const r = await run(process.execPath, [demo, 'auto', 'leave', 'sh', '-c', 'echo sh pid $$; exit 5']);
  t.equal(r.status, 5);
  const [nodePid, shPid] = pids(r.stdout);
  t.equal(shPid, nodePid, 'same pid: exec, not spawn');
});

t.test('execve path: the program can read a stdin we touched (blocking again)', { skip: !hasExecve && 'no execve' }, async (t) => {
  const child = spawn(process.execPath, [demo, 'auto', 'touch', 'cat'], { stdio: 'pipe' });
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

t.test('spawn fallback: status passed on, different process', async (t) => {
  const r = await run(process.execPath, [demo, 'spawn', 'leave', 'sh', '-c', 'echo sh pid $$; exit 7']);
  t.equal(r.status, 7);
  const [nodePid, shPid] = pids(r.stdout);
  t.not(shPid, nodePid);
});

t.test('spawn fallback: a child killed by a signal gives 128+n', async (t) => {
  const r = await run(process.execPath, [demo, 'spawn', 'leave', 'sh', '-c', 'kill -KILL $$']);
  t.equal(r.status, 137);
});

t.test('spawn fallback: signals from a supervisor reach the child', async (t) => {
  const child = spawn(
    process.execPath,
    [demo, 'spawn', 'leave', 'sh', '-c', 'trap "exit 42" TERM; echo ready; while :; do sleep 0.05; done'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve) => child.stdout.on('data', (b: Buffer) => b.includes('ready') && resolve()));
  child.kill('SIGTERM');
  const code = await new Promise((r) => child.on('exit', (c) => r(c)));
  t.equal(code, 42);
});

t.test('spawn fallback: the child reads our stdin', async (t) => {
  const r = await run(process.execPath, [demo, 'spawn', 'leave', 'cat'], { input: 'passed through\n' });
  t.match(r.stdout.toString(), /passed through\n$/);
});

t.test('a runtime without execve (Node 20) uses the fallback', { skip: !node20 && 'no system node' }, async (t) => {
  const r = await run(node20!, [demo, 'auto', 'leave', 'sh', '-c', 'echo sh pid $$; exit 3']);
  t.equal(r.status, 3);
  t.equal(pids(r.stdout).length, 2);
});

t.test('a program that does not exist is an ExecError', async (t) => {
  await t.rejects(execProgram(['no-such-program-xyz'], { PATH: '/bin' }), ExecError);
  await t.rejects(execProgram([], {}), /no program given/);
  await t.rejects(execProgram([join(dir, 'missing')], {}, { execve: null }), /unable to run/);
  const r = await run(process.execPath, [demo, 'auto', 'leave', 'no-such-program-xyz']);
  t.equal(r.status, 111);
  t.match(r.stderr.toString(), /unable to run no-such-program-xyz: file does not exist/);
});

t.test('a path that cannot be executed is an ExecError in both modes', async (t) => {
  await t.rejects(execProgram([dir], {}, { execve: null }), { name: 'ExecError', message: /access denied/ });
  if (hasExecve) await t.rejects(execProgram([join(dir, 'missing')], {}), { name: 'ExecError' }, 'real execve');
});

t.test('execve failure is an ExecError', async (t) => {
  const failing = () => {
    throw new Error('EACCES');
  };
  await t.rejects(execProgram(['/bin/sh'], {}, { execve: failing as never }), { name: 'ExecError', message: /EACCES/ });
});

t.test('the environment given is the one the program sees', async (t) => {
  const env = { PATH: '/bin:/usr/bin', ONLY_THIS: 'yes', DROPPED: undefined };
  const r = await run(process.execPath, [demo, 'spawn', 'leave', 'sh', '-c', 'echo "[$ONLY_THIS][${DROPPED-unset}]"'], {
    env: env as NodeJS.ProcessEnv,
  });
  t.match(r.stdout.toString(), /\[yes\]\[unset\]/);
});
