/**
 * The README's main job, `npm start`, as a test starts it: the same start
 * command (tools/start/main.mjs) on a free port with a scratch queue,
 * without the build (the test run has built already).
 */
import { spawn } from 'node:child_process';
import { freePort, untrackedEnv } from '@mailfront/testkit';
import { ROOT } from './paths.js';

export interface ExampleMx {
  port: number;
  /** The Maildir that accepted mail goes to. */
  queue: string;
  /** The working directory the start command made (removed when it stops). */
  workDir: string;
  /** The cvm-rcptto socket. */
  socket: string;
  /** Everything the start command printed so far. */
  output(): string;
  /**
   * Resolves with the output once it matches: log lines travel through
   * pipes and the start command, and may arrive after the client's reply.
   */
  logged(pattern: RegExp): Promise<string>;
  /** Sends `signal` to the start command and resolves with its exit status. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const READY = 'Ctrl-C stops it.';

async function startOnce(queue: string): Promise<ExampleMx | { failed: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['tools/start/main.mjs', '--no-build', '--port', String(port), '--queue', queue], {
    cwd: ROOT,
    env: untrackedEnv(process.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  // 'close', not 'exit': the last lines it printed are read by then.
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  let waiters: Array<() => void> = [];
  const wake = () => {
    for (const w of waiters.splice(0)) w();
  };
  const onData = (b: Buffer) => {
    output += b.toString();
    wake();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  let done = false;
  void exited.then(() => {
    done = true;
    wake();
  });
  // The start command either says it is ready or exits: no clock involved.
  const next = () => new Promise<void>((resolve) => waiters.push(resolve));
  while (!output.includes(READY) && !done) await next();
  if (!output.includes(READY)) return { failed: output };
  const field = (re: RegExp) => re.exec(output)?.[1] ?? '';
  return {
    port,
    queue,
    workDir: field(/Working files, removed when it stops: (\S+)/),
    socket: field(/checked by cvm-qmail\n\s+on (\S+)/),
    output: () => output,
    logged: async (pattern) => {
      while (!pattern.test(output) && !done) await next();
      return output;
    },
    stop: async (signal = 'SIGINT') => {
      if (!done) child.kill(signal);
      return exited;
    },
  };
}

/**
 * Starts the example MX. A port taken by someone else between freePort()
 * and the listener's bind makes the start command exit; then another port is tried.
 */
export async function startExampleMx(queue: string): Promise<ExampleMx> {
  let last = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const mx = await startOnce(queue);
    if (!('failed' in mx)) return mx;
    last = mx.failed;
    if (!/already used|in use/i.test(last)) break;
  }
  throw new Error(`the example MX did not start:\n${last}`);
}
