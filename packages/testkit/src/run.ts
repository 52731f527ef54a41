/**
 * Runs a program to completion with the given input, collecting its output,
 * exit status and signal. A time limit kills a program that hangs, so a hang
 * is a test failure, not a stuck CI run.
 */
import { spawn } from 'node:child_process';

export interface RunResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: Buffer;
  timedOut: boolean;
}

export interface RunOptions {
  input?: string | Buffer;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
  /**
   * Let tap record coverage of the child (it is a Node program running our
   * TypeScript sources). Off by default: children are C oracles or esbuild
   * bundles, whose vendored code must not count against a package.
   */
  trackCoverage?: boolean;
}

/** The environment for a child whose coverage tap must not record. */
export function untrackedEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...env, _TAPJS_PROCESSINFO_COVERAGE_: '0' };
}

export function run(file: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const env = options.env ?? process.env;
    const child = spawn(file, args, {
      env: options.trackCoverage ? env : untrackedEnv(env),
      cwd: options.cwd,
      stdio: 'pipe',
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 20_000);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout: Buffer.concat(out), stderr: Buffer.concat(err), timedOut });
    });
    // A program may exit without reading all of its input (EPIPE is expected then).
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');
  });
}
