/**
 * Opening a Maildir and serving it: the `+OK` greeting once the mailbox has
 * been read, then the TRANSACTION state until QUIT or the end of input.
 */
import { accessSync, constants, statSync } from 'node:fs';
import type { Pop3Connection } from './connection.js';
import type { MaildirLimits } from './config.js';
import { scanMaildir, type Message } from './maildir.js';
import { MaildirSession } from './maildir-session.js';
import { NO_ACCESS, NO_CHDIR, OK } from './replies.js';

function isUsableDirectory(path: string): boolean {
  try {
    if (!statSync(path).isDirectory()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Serves the Maildir at `path`; resolves with the exit status (0, as pop3front-maildir, even after an error reply). */
export async function serveMaildir(connection: Pop3Connection, path: string, limits: MaildirLimits): Promise<number> {
  if (!isUsableDirectory(path)) {
    connection.log.warn(`unable to use ${path} as a maildir`);
    connection.reply(NO_CHDIR);
    return 0;
  }
  let messages: Message[];
  try {
    messages = scanMaildir(path, limits);
  } catch (e) {
    connection.log.warn(`unable to read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    connection.reply(NO_ACCESS);
    return 0;
  }
  connection.reply(OK);
  await new MaildirSession(connection, path, messages).run();
  return 0;
}
