/**
 * cvm-qmail [cvm-local:PATH | cvm-udp:HOST:PORT]
 *
 * Without an argument: one request on stdin, the answer on stdout, the
 * result code as exit status. With one: a server on a UNIX socket or UDP.
 */
import { parseCli, type Env, type Io, createLogger } from '@mailfront/core';
import { EXIT_MODULE_USAGE, runModule, WORKERS_OPTION, workersFromCli, type WorkerPort } from '@mailfront/cvm';
import pkg from '../package.json' with { type: 'json' };
import { QmailModule } from './qmail-module.js';
import { settingsFromEnv } from './settings.js';

export const PROGRAM = 'cvm-qmail';

const CLI = {
  program: PROGRAM,
  version: pkg.version,
  synopsis: '[--workers N] [cvm-local:/path/to/socket | cvm-udp:host:port]',
  options: [WORKERS_OPTION],
  description: [
    'CVM lookup module: answers whether qmail would deliver mail for an address',
    'locally, from QMAIL_ROOT (default /var/qmail): control/locals,',
    'control/virtualdomains, users/cdb, the passwd file and .qmail files.',
    'Without an argument it answers one request on stdin; with cvm-local: or',
    'cvm-udp: it serves requests until SIGTERM.',
    '',
    'Environment: CVM_LOOKUP_SECRET (required for lookups: empty for no secret),',
    'QMAIL_ROOT, CVM_QMAIL_ASSUME_LOCAL, CVM_QMAIL_MISSINGDOMAIN,',
    'CVM_QMAIL_MISSINGUSER, CVM_QMAIL_LOOKASIDE, CVM_QMAIL_CHECK_PERMS,',
    'CVM_LOCAL_TIMEOUT, CVM_SOCKET_MODE, CVM_SOCKET_OWNER, CVM_SOCKET_GROUP.',
  ].join('\n'),
  usageExitCode: EXIT_MODULE_USAGE,
};

export async function main(argv: string[], env: Env, io: Io, workerPort?: WorkerPort): Promise<number> {
  const cli = parseCli(CLI, argv, io.stdout, io.stderr);
  if (cli.kind === 'exit') return cli.code;
  const workers = workersFromCli(PROGRAM, cli.options, io);
  if (workers === undefined) return EXIT_MODULE_USAGE;
  const module = new QmailModule(settingsFromEnv(env), createLogger(PROGRAM, io.stderr));
  try {
    return await runModule(module, cli.args, env, io, { program: PROGRAM, workers, workerPort });
  } finally {
    module.qmail.close();
  }
}
