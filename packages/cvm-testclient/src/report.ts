/**
 * cvm-testclient's output, line for line as cvm 0.97 prints it: on success
 * eleven labelled facts on stdout (a missing text fact is "(null)", an
 * empty one prints nothing after the label), then one line per
 * supplementary group; on failure one line on stderr and, when the module
 * said, the out-of-scope flag on stdout.
 */
import { allFacts, Fact, firstFact, parseUnsigned, type CvmAccount, type CvmResult } from '@mailfront/cvm';

/** Labels are padded so that values start in column 19. */
const LABEL_WIDTH = 18;

const label = (text: string) => Buffer.from(`${text}:`.padEnd(LABEL_WIDTH), 'latin1');
const NEWLINE = Buffer.from('\n');
const NULL = Buffer.from('(null)');

export function successReport(result: CvmResult & { account: CvmAccount }): Buffer {
  const { facts, account } = result;
  const lines: Buffer[] = [];
  const line = (name: string, value: Buffer) => lines.push(label(name), value, NEWLINE);
  const text = (name: string, type: number) => line(name, firstFact(facts, type) ?? NULL);
  const number = (name: string, value: number) => line(name, Buffer.from(String(value)));
  text('user name', Fact.USERNAME);
  number('user ID', account.userId);
  number('group ID', account.groupId);
  text('real name', Fact.REALNAME);
  text('directory', Fact.DIRECTORY);
  text('shell', Fact.SHELL);
  text('group name', Fact.GROUPNAME);
  text('system user name', Fact.SYS_USERNAME);
  text('system directory', Fact.SYS_DIRECTORY);
  text('domain', Fact.DOMAIN);
  text('mailbox path', Fact.MAILBOX);
  // cvm stops at the first value that is not a number; it also starts over
  // after the last one, looping forever when a group is the last fact.
  for (const value of allFacts(facts, Fact.SUPP_GROUPID)) {
    const gid = parseUnsigned(value);
    if (gid === undefined) break;
    number('supp. group ID', gid);
  }
  return Buffer.concat(lines);
}

export function outOfScopeReport(result: CvmResult): string {
  return result.outOfScope === undefined ? '' : `${'out of scope:'.padEnd(LABEL_WIDTH)}${result.outOfScope}\n`;
}
