/**
 * QUIT: the only moment the Maildir changes. Deleted messages are
 * unlinked; every other one is renamed into cur/, and a message read in
 * this session gains the S flag (`:2,S`, or S added to existing `:2,`
 * flags, kept in ASCII order as the Maildir spec asks). Errors are logged
 * and the rest goes on, as in pop3front-maildir.
 */
import { renameSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '@mailfront/core';
import type { Message } from './maildir.js';

/** The name a message gets in cur/. */
export function curName(message: Message): string {
  const { name, read } = message;
  if (!read) return name;
  const colon = name.indexOf(':');
  if (colon === -1) return `${name}:2,S`;
  if (!name.startsWith(':2,', colon)) return name;
  const flags = name.slice(colon + 3);
  if (flags.includes('S')) return name;
  return name.slice(0, colon + 3) + [...flags, 'S'].sort().join('');
}

export function commitChanges(maildir: string, messages: readonly Message[], log: Logger): void {
  for (const message of messages) {
    if (message.missing) continue;
    const from = join(maildir, message.dir, message.name);
    try {
      if (message.deleted) {
        unlinkSync(from);
        continue;
      }
      const name = curName(message);
      if (message.dir === 'cur' && name === message.name) continue;
      renameSync(from, join(maildir, 'cur', name));
    } catch (e) {
      log.warn(`unable to update ${message.dir}/${message.name}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
}
