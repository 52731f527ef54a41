/**
 * The facts of a CVM response as typed values, and the environment a CVM
 * client exports for the program it runs (cvm's cvm_client_setenv).
 */
import { Fact } from './constants.js';
import type { RawFact } from './response-codec.js';

/** The standard facts of a successful response. */
export interface CvmAccount {
  username: string;
  userId: number;
  groupId: number;
  directory: string;
  realName?: string;
  shell?: string;
  groupName?: string;
  sysUsername?: string;
  sysDirectory?: string;
  domain?: string;
  /** Not absolute: relative to `directory`. */
  mailbox?: string;
  /** Every SUPP_GROUPID fact, in response order. */
  suppGroupIds: number[];
}

/** The first value of a fact (for single-valued facts the first occurrence wins, as in cvm). */
export function firstFact(facts: readonly RawFact[], type: number): Buffer | undefined {
  return facts.find((f) => f.type === type)?.value;
}

/** Every value of a fact, in response order. */
export function allFacts(facts: readonly RawFact[], type: number): Buffer[] {
  return facts.filter((f) => f.type === type).map((f) => f.value);
}

const DIGITS = /^[0-9]*$/;

/**
 * An unsigned decimal fact as cvm parses it: digits only, empty is 0.
 * Undefined for anything else, or a value past 2^53 - 1.
 */
export function parseUnsigned(value: Buffer | undefined): number | undefined {
  if (value === undefined) return undefined;
  const text = value.toString('latin1');
  if (!DIGITS.test(text)) return undefined;
  const n = text === '' ? 0 : Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** The OUTOFSCOPE fact as a number, when present and numeric. */
export function outOfScope(facts: readonly RawFact[]): number | undefined {
  return parseUnsigned(firstFact(facts, Fact.OUTOFSCOPE));
}

/**
 * The typed account of a successful response, or undefined when a required
 * fact (USERNAME, USERID, GROUPID, DIRECTORY) is missing or a number does
 * not parse: the response is then invalid (code 3), as in the C client.
 */
export function accountFromFacts(facts: readonly RawFact[]): CvmAccount | undefined {
  const text = (type: number) => firstFact(facts, type)?.toString('utf8');
  const username = text(Fact.USERNAME);
  const directory = text(Fact.DIRECTORY);
  const userId = parseUnsigned(firstFact(facts, Fact.USERID));
  const groupId = parseUnsigned(firstFact(facts, Fact.GROUPID));
  if (username === undefined || directory === undefined || userId === undefined || groupId === undefined) return undefined;
  const suppGroupIds: number[] = [];
  for (const value of allFacts(facts, Fact.SUPP_GROUPID)) {
    const gid = parseUnsigned(value);
    if (gid !== undefined) suppGroupIds.push(gid);
  }
  const account: CvmAccount = { username, userId, groupId, directory, suppGroupIds };
  const optional: Array<[keyof CvmAccount, number]> = [
    ['realName', Fact.REALNAME],
    ['shell', Fact.SHELL],
    ['groupName', Fact.GROUPNAME],
    ['sysUsername', Fact.SYS_USERNAME],
    ['sysDirectory', Fact.SYS_DIRECTORY],
    ['domain', Fact.DOMAIN],
    ['mailbox', Fact.MAILBOX],
  ];
  for (const [key, type] of optional) {
    const value = text(type);
    if (value !== undefined) (account as unknown as Record<string, string>)[key] = value;
  }
  return account;
}

/** The standard facts of an account in cvm's wire order (what a module sends on success). */
export function factsFromAccount(account: CvmAccount): RawFact[] {
  const facts: RawFact[] = account.suppGroupIds.map((gid) => ({ type: Fact.SUPP_GROUPID, value: Buffer.from(String(gid)) }));
  const add = (type: number, value: string | number | undefined) => {
    if (value !== undefined) facts.push({ type, value: Buffer.from(String(value), 'utf8') });
  };
  add(Fact.USERNAME, account.username);
  add(Fact.USERID, account.userId);
  add(Fact.GROUPID, account.groupId);
  add(Fact.REALNAME, account.realName);
  add(Fact.DIRECTORY, account.directory);
  add(Fact.SHELL, account.shell);
  add(Fact.GROUPNAME, account.groupName);
  add(Fact.SYS_USERNAME, account.sysUsername);
  add(Fact.SYS_DIRECTORY, account.sysDirectory);
  add(Fact.DOMAIN, account.domain);
  add(Fact.MAILBOX, account.mailbox);
  return facts;
}

/**
 * The variables a CVM client sets for the program it runs after a
 * successful authentication: USER, UID, GID, HOME always; NAME, SHELL,
 * GROUP, DOMAIN, MAIL/MAILBOX/MAILDIR and GIDS only when the module sent
 * them (an absent fact leaves the caller's variable as it was).
 */
export function accountEnvironment(account: CvmAccount): Record<string, string> {
  const env: Record<string, string> = {
    USER: account.username,
    UID: String(account.userId),
    GID: String(account.groupId),
    HOME: account.directory,
  };
  if (account.realName !== undefined) env.NAME = account.realName;
  if (account.shell !== undefined) env.SHELL = account.shell;
  if (account.groupName !== undefined) env.GROUP = account.groupName;
  if (account.domain !== undefined) env.DOMAIN = account.domain;
  if (account.mailbox !== undefined) {
    env.MAIL = account.mailbox;
    env.MAILBOX = account.mailbox;
    env.MAILDIR = account.mailbox;
  }
  if (account.suppGroupIds.length > 0) env.GIDS = account.suppGroupIds.join(',');
  return env;
}
