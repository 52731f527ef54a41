/**
 * Chain-loading: hand the connection to the next program, as djb's tools do
 * with execvp (rblsmtpd → mailfront-smtpd, a CVM client → the mail reader).
 *
 * process.execve (Node 22.15+, so on every supported runtime) really
 * replaces this process: one process per connection, and the next program
 * sees exactly our pid, fds and environment.
 *
 * Three things about process.execve need care:
 * - on Node 22.x and 24.x a failed execve aborts the process (status 134)
 *   instead of throwing, so the target is checked first (exec-check.ts) and
 *   a missing program still gets its clear error and exit 111;
 * - it is experimental and says so with an ExperimentalWarning on stderr,
 *   which is our log: that one warning is kept out;
 * - Node makes fds 0 and 1 non-blocking once process.stdin/stdout are
 *   used, and that flag lives in the file description the exec'd program
 *   inherits: a C program reading a non-blocking stdin fails with EAGAIN.
 *   execve does not undo it, so before exec the ones used are put back to
 *   blocking (stdio.ts).
 */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { envRecord, type Env } from './env.js';
import { flushCompileCache } from './compile-cache.js';
import { execProblem } from './exec-check.js';
import { processLog } from './log-stream.js';
import { restoreBlockingStdio } from './stdio.js';

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

/**
 * process.execve's shape. The real one never returns; a stand-in given by a
 * test (which must not be replaced) returns the exit status to pass on.
 */
export type Execve = (file: string, args: string[], env: Record<string, string>) => number;

export interface ExecOptions {
  /** Runs just before the exec, to flush pending output (exec discards it). */
  beforeExec?: () => Promise<void>;
  /** For tests: what to call instead of process.execve. */
  execve?: Execve;
}

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

function runtimeExecve(program: string): Execve {
  const execve = (process as { execve?: Execve }).execve;
  if (typeof execve !== 'function') {
    throw new ExecError(program, `Node.js ${process.version} has no process.execve (22.15 or later has)`);
  }
  return (file, args, env) => withoutExecveWarning(() => execve.call(process, file, args, env));
}

/**
 * Runs argv[0] with the remaining arguments in place of this process.
 * Never resolves with the real execve; rejects with ExecError if the
 * program cannot be run.
 */
export async function execProgram(argv: readonly string[], env: Env, options: ExecOptions = {}): Promise<number> {
  const [program, ...args] = argv;
  if (program === undefined) throw new ExecError('(nothing)', 'no program given');
  const file = findExecutable(program, env.PATH);
  if (file === undefined) throw new ExecError(program, 'file does not exist');
  const problem = execProblem(file);
  if (problem !== undefined) throw new ExecError(program, problem);
  const execve = options.execve ?? runtimeExecve(program);
  await options.beforeExec?.();
  // execve discards whatever the process still has queued, and Node writes
  // its compile cache only at exit.
  await processLog().flush();
  flushCompileCache();
  if (options.execve === undefined) restoreBlockingStdio();
  try {
    return execve(file, [program, ...args], envRecord(env));
  } catch (e) {
    // Node 26 throws where 22 and 24 abort; the check above makes it rare.
    const code = (e as NodeJS.ErrnoException).code;
    throw new ExecError(program, code === 'EACCES' ? 'access denied' : (e as Error).message);
  }
}

/**
 * Calls fn with process.execve's ExperimentalWarning filtered out. Node
 * emits it through process.emitWarning before the call and prints it on a
 * later tick, which only comes if the exec failed and we carry on.
 */
export function withoutExecveWarning<T>(fn: () => T): T {
  const emitWarning = process.emitWarning;
  process.emitWarning = function (this: NodeJS.Process, warning: string | Error, ...rest: unknown[]) {
    const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
    const name = warning instanceof Error ? warning.name : type;
    if (name === 'ExperimentalWarning' && String(warning instanceof Error ? warning.message : warning).includes('execve')) return;
    return (emitWarning as (...a: unknown[]) => void).call(this, warning, ...rest);
  } as typeof process.emitWarning;
  try {
    return fn();
  } finally {
    process.emitWarning = emitWarning;
  }
}
