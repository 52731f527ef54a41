/**
 * The Maildir of reference A.0 and a pwfile for the POP3 differential and
 * interop tests, and a way to list what a session left in the Maildir.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scratchDir, type Teardown } from '@mailfront/testkit';

export const MESSAGES: Record<string, string> = {
  'cur/1000000002.222.host,S=25:2,S': 'Subject: two\n\nbody two\n',
  'new/1000000001.111.host': 'Subject: one\nFrom: a@example.com\n\nline1\n.line2 starts with dot\nline3\n',
  'new/1000000003.333.host': 'Subject: three\n\nbody three\n',
};

export interface Pop3Fixture {
  home: string;
  maildir: string;
  pwfile: string;
}

/** HOME/Maildir with the three messages, HOME/pwfile with testuser/testpass (uid and gid given). */
export function pop3Fixture(t: Teardown, uid = 0, gid = 0): Pop3Fixture {
  const home = scratchDir(t, 'pop3-');
  const maildir = join(home, 'Maildir');
  for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(maildir, sub), { recursive: true });
  for (const [name, text] of Object.entries(MESSAGES)) writeFileSync(join(maildir, name), text);
  const pwfile = join(home, 'pwfile');
  writeFileSync(pwfile, `testuser:testpass:${uid}:${gid}:Test User:${home}:/bin/false\n`);
  return { home, maildir, pwfile };
}

export function maildirFiles(maildir: string): string[] {
  return ['cur', 'new'].flatMap((d) => readdirSync(join(maildir, d)).map((n) => `${d}/${n}`)).sort();
}
