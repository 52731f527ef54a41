/**
 * cvm-pwfile [cvm-local:PATH | cvm-udp:HOST:PORT]
 *
 * Without an argument: one request on stdin, the answer on stdout, the
 * result code as exit status. With one: a server on a UNIX socket or UDP.
 */
import { createLogger, parseCli, type Env, type Io } from '@mailfront/core';
import { EXIT_MODULE_USAGE, runModule, WORKERS_OPTION, workersFromCli, type WorkerPort } from '@mailfront/cvm';
import pkg from '../package.json' with { type: 'json' };
import { passwordCompare } from './pwcmp.js';
import { PwfileModule } from './pwfile-module.js';

export const PROGRAM = 'cvm-pwfile';

const CLI = {
  program: PROGRAM,
  version: pkg.version,
  synopsis: '[--workers N] [cvm-local:/path/to/socket | cvm-udp:host:port]',
  options: [WORKERS_OPTION],
  description: [
    'CVM module that checks passwords against a passwd-style file',
    '(name:password:uid:gid:gecos:directory:shell). Without an argument it',
    'answers one request on stdin; with cvm-local: or cvm-udp: it serves',
    'requests until SIGTERM.',
    '',
    'Environment: CVM_PWFILE_PATH (required), CVM_PWFILE_PWCMP (plain, crypt',
    'or a pwcmp program), CVM_LOOKUP_SECRET (set: lookup mode),',
    'CVM_LOCAL_TIMEOUT, CVM_SOCKET_MODE, CVM_SOCKET_OWNER, CVM_SOCKET_GROUP.',
  ].join('\n'),
  usageExitCode: EXIT_MODULE_USAGE,
};

export async function main(argv: string[], env: Env, io: Io, workerPort?: WorkerPort): Promise<number> {
  const cli = parseCli(CLI, argv, io.stdout, io.stderr);
  if (cli.kind === 'exit') return cli.code;
  const workers = workersFromCli(PROGRAM, cli.options, io);
  if (workers === undefined) return EXIT_MODULE_USAGE;
  const log = createLogger(PROGRAM, io.stderr);
  const module = new PwfileModule(env.CVM_PWFILE_PATH, passwordCompare(env.CVM_PWFILE_PWCMP, env), log, env.CVM_LOOKUP_SECRET !== undefined);
  try {
    return await runModule(module, cli.args, env, io, { program: PROGRAM, workers, workerPort });
  } finally {
    module.stop();
  }
}
