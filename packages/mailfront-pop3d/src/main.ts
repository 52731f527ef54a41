/**
 * mailfront-pop3d CVM [DEFAULT-MAILDIR]
 * mailfront-pop3d auth CVM PROGRAM [ARGS...]
 * mailfront-pop3d maildir [DEFAULT-MAILDIR]
 *
 * A POP3 server run by tcpserver or tcpsvd with the connection on stdin
 * and stdout (see modes.ts).
 */
import { ByteInput, ConfigError, TimeoutError, createLogger, execProgram, Output, parseCli, type Env, type Io, type Logger } from '@mailfront/core';
import pkg from '../package.json' with { type: 'json' };
import { authConfig, maildirTimeouts, wantsImmediateTls, type AuthConfig } from './config.js';
import { Pop3Connection } from './connection.js';
import { runAuth, runMaildir, runSingle, type ProcessActions } from './modes.js';
import { relayProgram } from './relay.js';
import { becomeUser } from './privileges.js';
import { CONFIG_ERROR } from './replies.js';

export const PROGRAM = 'mailfront-pop3d';
/** The client stopped reading a reply and was timed out (docs: exit statuses). */
export const EXIT_STALLED = 1;

const CLI = {
  program: PROGRAM,
  version: pkg.version,
  synopsis: 'CVM [DEFAULT-MAILDIR] | auth CVM PROGRAM [ARGS...] | maildir [DEFAULT-MAILDIR]',
  description: `POP3 server for Maildirs, run under tcpserver or tcpsvd with the connection
on stdin and stdout. Users authenticate with USER/PASS or AUTH (SASL PLAIN,
LOGIN, CRAM-MD5 from CVM_SASL_PLAIN, CVM_SASL_LOGIN, CVM_SASL_CRAM_MD5)
against the CVM module CVM; the server then becomes the user and serves
their Maildir: the CVM's MAILBOX fact, else DEFAULT-MAILDIR (default
./Maildir/) relative to their home directory.

"auth" and "maildir" run one half each, as pop3front-auth and
pop3front-maildir do. With TLS_CERTFILE the server offers STLS;
TLS_IMMEDIATE=1 speaks TLS from the first byte (POP3S, port 995), and
AUTH_REQUIRES_TLS (set) refuses USER, PASS and AUTH until TLS is up.
Environment: TIMEOUT, SESSION_TIMEOUT, AUTH_TIMEOUT, AUTH_SESSION_TIMEOUT,
MAXUSERCMD, MAXAUTHFAIL, MAILBOX, MAX_MESSAGES, MAX_CUR_MESSAGES,
MAX_NEW_MESSAGES, TLS_CERTFILE, TLS_KEYFILE, TLS_DH_PARAMS, TLS_IMMEDIATE,
AUTH_REQUIRES_TLS. See the mailfront-pop3d page in the mailfront-ts docs.`,
  minArgs: 1,
};

export const DEFAULT_ACTIONS: ProcessActions = {
  becomeUser: (account) => becomeUser(account),
  chdir: (directory) => process.chdir(directory),
  exec: (argv, env, beforeExec) => execProgram(argv, env, { beforeExec }),
  relay: (argv, env, connection) => relayProgram(argv, env, connection),
};

export function main(argv: string[], env: Env, io: Io): Promise<number> {
  return runPop3d(argv, env, io, DEFAULT_ACTIONS);
}

function usage(io: Io, problem: string): number {
  io.stderr.write(`${PROGRAM}: ${problem}\n${PROGRAM}: usage: ${PROGRAM} ${CLI.synopsis}\n`);
  return 100;
}

export async function runPop3d(argv: string[], env: Env, io: Io, actions: ProcessActions): Promise<number> {
  const cli = parseCli(CLI, argv, io.stdout, io.stderr);
  if (cli.kind === 'exit') return cli.code;
  const [first, ...rest] = cli.args as [string, ...string[]];
  const log = createLogger(PROGRAM, io.stderr);
  if (first === 'auth' && rest.length < 2) return usage(io, 'auth needs a CVM and a program');
  if (first === 'maildir' && rest.length > 1) return usage(io, 'maildir takes at most one argument');
  if (first !== 'auth' && first !== 'maildir' && rest.length > 1) return usage(io, `unexpected argument '${rest[1]}'`);
  if (first === 'maildir' && !env.MAILBOX && rest[0] === undefined) {
    log.info('Error: Mailbox not specified');
    return 0;
  }
  const output = new Output(io.stdout);
  let connection: Pop3Connection;
  // The maildir mode runs after authentication: the TLS and AUTH_ settings are not its business.
  let config: AuthConfig | undefined;
  try {
    config = first === 'maildir' ? undefined : authConfig(env);
    connection = new Pop3Connection(new ByteInput(io.stdin), output, io, log, config ?? maildirTimeouts(env));
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    log.fatal(e.message);
    // A POP3S client waits for a TLS handshake: plaintext would only garble its error message.
    if (first === 'maildir' || !wantsImmediateTls(env)) output.write(`${CONFIG_ERROR}\r\n`);
    await output.flush();
    return 111;
  }
  let code: number;
  try {
    if (config === undefined) code = await runMaildir(connection, env.MAILBOX || rest[0]!, env);
    else if (first === 'auth') code = await runAuth(connection, config, rest[0]!, rest.slice(1), env, actions);
    else code = await runSingle(connection, config, first, rest[0], env, actions);
  } catch (e) {
    // Only writes throw TimeoutError (a timed-out read is the end of input):
    // the client stopped reading a reply. Nothing is committed, and no byte
    // more is waited for.
    if (!(e instanceof TimeoutError)) throw e;
    log.info('Timed out: the client stopped reading');
    output.abandon();
    code = EXIT_STALLED;
  }
  return finish(connection, log, code);
}

async function finish(connection: Pop3Connection, log: Logger, code: number): Promise<number> {
  await connection.close();
  log.info(`bytes in: ${connection.input.bytesIn} bytes out: ${connection.output.bytesOut}`);
  return code;
}
