/**
 * Would execve(2) run this file? Decided before calling it.
 *
 * On Node 22.x and 24.x a failed process.execve does not throw: it aborts
 * the whole process (SIGABRT, status 134, maybe a core dump). A chain
 * program that names a missing or broken program would then die without
 * its "unable to run" line and with a status a supervisor or tcpserver
 * reads as a crash. So the kernel's usual reasons for refusing are checked
 * here first, in its order: the file, its permissions, its format, and the
 * interpreter a `#!` line names (recursively, as the kernel does).
 *
 * What is left (an ELF file for another machine, a missing dynamic loader,
 * an argument list over ARG_MAX, a file being written) is rare enough to
 * leave to execve itself; docs/core.md says so.
 */
import { accessSync, closeSync, constants, openSync, readdirSync, readSync, statSync } from 'node:fs';

/** Linux follows at most this many `#!` interpreters (BINPRM_MAX_RECURSION). */
const MAX_INTERPRETER_DEPTH = 4;
/** The kernel reads this much of the file to decide its format (BINPRM_BUF_SIZE). */
const HEADER_BYTES = 256;
const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);

/** The reason execve would fail, in the words of strerror; undefined when it should work. */
export function execProblem(file: string, depth = 0): string | undefined {
  try {
    if (!statSync(file).isFile()) return 'access denied';
    accessSync(file, constants.X_OK);
  } catch (e) {
    return reasonOf(e as NodeJS.ErrnoException);
  }
  const header = readHeader(file);
  // Execute-only files cannot be read but can be run: only the kernel knows.
  if (header === undefined) return undefined;
  if (header.subarray(0, 4).equals(ELF_MAGIC)) return undefined;
  if (header[0] === 0x23 && header[1] === 0x21) return interpreterProblem(header, depth);
  return otherFormatsKnown() ? undefined : 'exec format error';
}

function reasonOf(e: NodeJS.ErrnoException): string {
  switch (e.code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return 'file does not exist';
    case 'EACCES':
    case 'EPERM':
      return 'access denied';
    case 'ELOOP':
      return 'too many levels of symbolic links';
    default:
      return e.message;
  }
}

function readHeader(file: string): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const buffer = Buffer.alloc(HEADER_BYTES);
    return buffer.subarray(0, readSync(fd, buffer, 0, HEADER_BYTES, 0));
  } finally {
    closeSync(fd);
  }
}

/** `#!interpreter [arg]`: the interpreter must itself be runnable. */
function interpreterProblem(header: Buffer, depth: number): string | undefined {
  const end = header.indexOf(0x0a);
  const line = header.subarray(2, end === -1 ? header.length : end).toString('latin1');
  const interpreter = line.trim().split(/[ \t]/)[0] ?? '';
  if (interpreter === '') return 'exec format error';
  if (depth >= MAX_INTERPRETER_DEPTH) return 'too many levels of interpreters';
  const problem = execProblem(interpreter, depth + 1);
  if (problem === undefined) return undefined;
  // A chain of interpreters is reported by its innermost failure.
  return problem.startsWith('bad interpreter') ? problem : `bad interpreter ${interpreter}: ${problem}`;
}

/**
 * binfmt_misc can teach the kernel other formats (Java archives, foreign
 * binaries through an emulator); with any registered, an unknown header may
 * well run. Without the directory we cannot tell, and let execve decide.
 */
function otherFormatsKnown(): boolean {
  try {
    return readdirSync('/proc/sys/fs/binfmt_misc').some((name) => name !== 'register' && name !== 'status');
  } catch {
    return true;
  }
}
