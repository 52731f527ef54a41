/**
 * Chain-loading: hand the connection to the next program, as djb's tools do
 * with execvp (rblsmtpd → mailfront-smtpd, a CVM client → the mail reader).
 *
 * Where the runtime has process.execve (Node 22.15+, 23.11+) the program
 * really replaces this process: one process per connection, and the next
 * program sees exactly our pid, fds and environment. On older runtimes the
 * program is spawned with our stdio inherited; we forward the signals a
 * supervisor sends and pass its exit status on (128 + n when it was killed
 * by signal n). In that mode this process must not read stdin: the child
 * owns the connection.
 *
 * Node makes fds 0-2 non-blocking once process.stdin/stdout/stderr are used,
 * and that flag lives in the file description the exec'd program inherits:
 * a C program reading a non-blocking stdin fails with EAGAIN. execve does
 * not undo it, so before exec we start one trivial child with inherited
 * stdio, which libuv sets back to blocking (the description is shared).
 */
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { delimiter, join } from 'node:path';
import type { Env } from './env.js';

/** The program could not be started at all (djb tools exit 111 then). */
export class ExecError extends Error {
  constructor(
    readonly program: string,
    readonly reason: string,
  ) {
    super(`unable to run ${program}: ${reason}`);
    this.name = 'ExecError';
  }
}

type Execve = (file: string, args: string[], env: Record<string, string>) => never;

export interface ExecOptions {
  /** Runs just before the exec, to flush pending output (exec discards it). */
  beforeExec?: () => Promise<void>;
  /** For tests: the execve to use; null forces the spawn fallback. */
  execve?: Execve | null;
}

/** Signals a supervisor (runsv, supervise, tcpserver) may send us. */
const FORWARDED_SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGALRM', 'SIGCONT'];

/** execvp's search: a name with a slash is used as is, else PATH is searched. */
export function findExecutable(program: string, path: string | undefined): string | undefined {
  if (program === '') return undefined;
  if (program.includes('/')) return program;
  for (const dir of (path ?? '/bin:/usr/bin').split(delimiter)) {
    const candidate = join(dir === '' ? '.' : dir, program);
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

function cleanEnv(env: Env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}

function runtimeExecve(): Execve | null {
  const candidate = (process as unknown as { execve?: Execve }).execve;
  return typeof candidate === 'function' ? candidate.bind(process) : null;
}

/**
 * Runs argv[0] with the remaining arguments in place of this process.
 * Resolves with the exit status to pass on when the spawn fallback was used;
 * with execve it never resolves. Rejects with ExecError if the program
 * cannot be run.
 */
export async function execProgram(argv: readonly string[], env: Env, options: ExecOptions = {}): Promise<number> {
  const [program, ...args] = argv;
  if (program === undefined) throw new ExecError('(nothing)', 'no program given');
  const file = findExecutable(program, env.PATH);
  if (file === undefined) throw new ExecError(program, 'file does not exist');
  const execve = options.execve === undefined ? runtimeExecve() : options.execve;
  await options.beforeExec?.();
  if (execve) {
    restoreBlockingStdio();
    try {
      execve(file, [program, ...args], cleanEnv(env));
    } catch (e) {
      throw new ExecError(program, (e as Error).message);
    }
  }
  return spawnAndWait(file, program, args, env);
}

function restoreBlockingStdio(): void {
  spawnSync('/bin/sh', ['-c', ':'], { stdio: 'inherit' });
}

function spawnAndWait(file: string, program: string, args: string[], env: Env): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { argv0: program, env: cleanEnv(env), stdio: 'inherit' });
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
    const stopForwarding = () => {
      for (const signal of FORWARDED_SIGNALS) process.off(signal, forward);
    };
    child.on('error', (e: NodeJS.ErrnoException) => {
      stopForwarding();
      reject(new ExecError(program, e.code === 'EACCES' ? 'access denied' : e.message));
    });
    child.on('exit', (code, signal) => {
      stopForwarding();
      if (signal) resolve(128 + (osConstants.signals[signal] ?? 0));
      else resolve(code ?? 111);
    });
  });
}
