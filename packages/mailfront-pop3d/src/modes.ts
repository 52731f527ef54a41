/**
 * The three ways to run mailfront-pop3d:
 *
 *   CVM [DEFAULT-MAILDIR]        authenticate, become the user, serve the
 *                                Maildir, all in one process
 *   auth CVM PROGRAM [ARGS...]   pop3front-auth: authenticate, export the
 *                                CVM environment, exec PROGRAM (on TLS:
 *                                run it behind our TLS layer)
 *   maildir [DEFAULT-MAILDIR]    pop3front-maildir: serve $MAILBOX or the
 *                                argument
 */
import { isAbsolute, resolve } from 'node:path';
import { ExecError, type Env } from '@mailfront/core';
import { accountEnvironment, type CvmAccount, type CvmClient } from '@mailfront/cvm';
import { AuthStage, type AuthOutcome } from './auth-stage.js';
import { maildirLimits, maildirTimeouts, type AuthConfig } from './config.js';
import type { Pop3Connection } from './connection.js';
import { EXEC_FAILED, INTERNAL_ERROR, OK } from './replies.js';
import { serveMaildir } from './serve-maildir.js';

/** What touches the process: replaced in tests. */
export interface ProcessActions {
  becomeUser(account: CvmAccount): void;
  chdir(directory: string): void;
  exec(argv: string[], env: Env, beforeExec: () => Promise<void>): Promise<number>;
  /** `auth` mode on TLS: PROGRAM runs behind our TLS layer (relay.ts). */
  relay(argv: string[], env: Env, connection: Pop3Connection): Promise<number>;
  createClient?: (cvm: string) => CvmClient;
}

/** The default Maildir of a user without a MAILBOX fact or argument. */
export const DEFAULT_MAILDIR = './Maildir/';

async function authenticate(connection: Pop3Connection, config: AuthConfig, cvm: string, env: Env, actions: ProcessActions): Promise<AuthOutcome> {
  const { settings, immediate } = config.tls;
  // POP3S (port 995): the handshake comes first, the greeting is encrypted.
  if (immediate && !(await connection.startTls(settings!, true))) return { kind: 'exit', code: 1 };
  connection.reply(OK);
  return new AuthStage(connection, config, cvm, env, actions.createClient).run();
}

function become(connection: Pop3Connection, account: CvmAccount, actions: ProcessActions, alsoChdir: boolean): boolean {
  try {
    actions.becomeUser(account);
    if (alsoChdir) actions.chdir(account.directory);
    return true;
  } catch (e) {
    connection.log.warn(`unable to become ${account.username} (${account.userId}:${account.groupId}): ${(e as Error).message}`);
    connection.reply(INTERNAL_ERROR);
    return false;
  }
}

/** The mailbox of an account: its MAILBOX fact, else the default, relative to its home. */
export function mailboxOf(account: CvmAccount, fallback: string | undefined): string {
  const path = account.mailbox ?? fallback ?? DEFAULT_MAILDIR;
  return isAbsolute(path) ? path : resolve(account.directory, path);
}

export async function runSingle(connection: Pop3Connection, config: AuthConfig, cvm: string, defaultMaildir: string | undefined, env: Env, actions: ProcessActions): Promise<number> {
  const outcome = await authenticate(connection, config, cvm, env, actions);
  if (outcome.kind === 'exit') return outcome.code;
  if (!become(connection, outcome.account, actions, false)) return 1;
  connection.startSession(maildirTimeouts(env));
  return serveMaildir(connection, mailboxOf(outcome.account, defaultMaildir), maildirLimits(env));
}

export async function runAuth(connection: Pop3Connection, config: AuthConfig, cvm: string, program: string[], env: Env, actions: ProcessActions): Promise<number> {
  const outcome = await authenticate(connection, config, cvm, env, actions);
  if (outcome.kind === 'exit') return outcome.code;
  if (!become(connection, outcome.account, actions, true)) return 1;
  const programEnv = { ...env, ...accountEnvironment(outcome.account) };
  try {
    if (connection.tls !== undefined) return await actions.relay(program, programEnv, connection);
    return await actions.exec(program, programEnv, () => connection.flush());
  } catch (e) {
    if (!(e instanceof ExecError)) throw e;
    connection.log.warn(e.message);
    connection.reply(EXEC_FAILED);
    return 1;
  }
}

export async function runMaildir(connection: Pop3Connection, path: string, env: Env): Promise<number> {
  return serveMaildir(connection, resolve(path), maildirLimits(env));
}
