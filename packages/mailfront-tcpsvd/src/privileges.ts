/**
 * -u: whose ids the sessions run with. As tcpsvd (reference modern-mx §1.2,
 * §2.5): `user` takes the user's uid and passwd gid; `user:group[:group…]`
 * the listed groups instead; a leading colon means numbers
 * (`:uid:gid[:gid…]`). The supplementary groups become exactly the listed
 * ones (setgroups, not initgroups: the user's /etc/group memberships are
 * not added), then setgid to the first, then setuid. The listener drops
 * them right after binding, before it accepts anything or starts a worker,
 * and refuses to go on when a drop fails: no session ever runs as root by
 * accident.
 */
import { readFileSync } from 'node:fs';
import { parsePasswd } from '@mailfront/qmail';

export interface Ids {
  uid: number;
  /** The first is the primary group. */
  gids: number[];
}

export class UnknownUserError extends Error {
  override name = 'UnknownUserError';
  constructor(spec: string) {
    super(`unknown user/group: ${spec}`);
  }
}

export class DropError extends Error {
  override name = 'DropError';
}

export interface AccountFiles {
  passwd: Buffer | undefined;
  group: Buffer | undefined;
}

function readOrNothing(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

export function systemAccounts(): AccountFiles {
  return { passwd: readOrNothing('/etc/passwd'), group: readOrNothing('/etc/group') };
}

/** getgrnam over /etc/group: the first entry of a name. */
function groupId(name: string, group: Buffer | undefined): number | undefined {
  for (const line of (group ?? Buffer.alloc(0)).toString('utf8').split('\n')) {
    const [entry, , gid] = line.split(':');
    if (entry === name && gid !== undefined && /^[0-9]+$/.test(gid)) return Number(gid);
  }
  return undefined;
}

const NUMBER = /^[0-9]{1,10}$/;

/** The ids an -u value stands for; UnknownUserError when a name is unknown or a number is not one. */
export function resolveIds(spec: string, files: AccountFiles = systemAccounts()): Ids {
  if (spec.startsWith(':')) {
    const numbers = spec.slice(1).split(':');
    if (numbers.length < 2 || !numbers.every((n) => NUMBER.test(n))) throw new UnknownUserError(spec);
    const [uid, ...gids] = numbers.map(Number) as [number, ...number[]];
    return { uid, gids };
  }
  const [user, ...groups] = spec.split(':') as [string, ...string[]];
  const account = parsePasswd(files.passwd).get(user);
  if (!account) throw new UnknownUserError(spec);
  if (groups.length === 0) return { uid: account.uid, gids: [account.gid] };
  const gids = groups.map((g) => groupId(g, files.group));
  if (gids.some((g) => g === undefined)) throw new UnknownUserError(spec);
  return { uid: account.uid, gids: gids as number[] };
}

/** The part of `process` that changes ids (a stand-in in tests). */
export interface IdSetter {
  setgroups(groups: number[]): void;
  setgid(id: number): void;
  setuid(id: number): void;
  getuid(): number;
  getgid(): number;
}

/** Groups, then group, then user: the order that leaves no way back. Throws DropError naming the step that failed. */
export function dropPrivileges(ids: Ids, proc: IdSetter = process as unknown as IdSetter): void {
  const steps: Array<[string, () => void]> = [
    ['groups', () => proc.setgroups(ids.gids)],
    ['gid', () => proc.setgid(ids.gids[0]!)],
    ['uid', () => proc.setuid(ids.uid)],
  ];
  for (const [what, step] of steps) {
    try {
      step();
    } catch (e) {
      throw new DropError(`unable to set ${what}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
  // Belt and braces: a setuid that "worked" without changing anything must not let sessions run as root.
  if (proc.getuid() !== ids.uid || proc.getgid() !== ids.gids[0]) throw new DropError('unable to set uid: the ids did not change');
}
