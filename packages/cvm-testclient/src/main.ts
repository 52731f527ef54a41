/**
 * cvm-testclient MODULE ACCOUNT DOMAIN [PASSWORD]
 *
 * Asks a CVM module (command, cvm-local:PATH, cvm-udp:HOST:PORT, or a
 * comma-separated chain) about ACCOUNT, split at its last @ as cvm's client
 * does, with CVM_LOOKUP_SECRET added when set. Exit status: the result code.
 */
import { parseCli, Output, type Env, type Io } from '@mailfront/core';
import { createCvmClient, cvmErrorText, type CvmAccount, type CvmResult } from '@mailfront/cvm';
import pkg from '../package.json' with { type: 'json' };
import { outOfScopeReport, successReport } from './report.js';

export const PROGRAM = 'cvm-testclient';
/** cvm's status for a usage error. */
const EXIT_USAGE = 1;

const CLI = {
  program: PROGRAM,
  version: pkg.version,
  synopsis: 'cvmodule account domain [password]',
  description: [
    'Asks a CVM module about an account and prints the facts it returns.',
    'cvmodule is a command, cvm-local:/path, cvm-udp:host:port, or a',
    'comma-separated chain of them. An empty domain sends none; an account',
    'of the form user@domain supplies the domain. The exit status is the',
    'CVM result code (0 success, 100 rejected, other: temporary error).',
    '',
    'Environment: CVM_LOOKUP_SECRET (sent as the lookup secret when set, even',
    'empty), CVM_ACCOUNT_SPLIT_CHARS, CVM_RANDOM_BYTES, MSG_NO_PROGRAM.',
  ].join('\n'),
  usageExitCode: EXIT_USAGE,
};

export async function main(argv: string[], env: Env, io: Io): Promise<number> {
  const cli = parseCli(CLI, argv, io.stdout, io.stderr);
  if (cli.kind === 'exit') return cli.code;
  const prefix = env.MSG_NO_PROGRAM === undefined ? `${PROGRAM}: ` : '';
  const stdout = new Output(io.stdout);
  const stderr = new Output(io.stderr);
  if (cli.args.length < 3 || cli.args.length > 4) {
    stderr.write(`${prefix}Fatal: Incorrect usage.\nusage: ${PROGRAM} cvmodule account domain\n   or: ${PROGRAM} cvmodule account domain password\n\n`);
    await stderr.flush();
    return EXIT_USAGE;
  }
  const [module, account, domain, password] = cli.args as [string, string, string, string | undefined];
  const client = createCvmClient(module, { env: env as NodeJS.ProcessEnv });
  const result = await client.authenticate(account, domain, password ?? '');
  if (result.code === 0) {
    stdout.write(successReport(result as CvmResult & { account: CvmAccount }));
  } else {
    // The failure line goes first, as the C client's unbuffered stderr does.
    stderr.write(`${prefix}Authentication failed, error #${result.code} (${cvmErrorText(result.code)})\n`);
    await stderr.flush();
    stdout.write(outOfScopeReport(result));
  }
  await Promise.all([stdout.flush(), stderr.flush()]);
  return result.code;
}
