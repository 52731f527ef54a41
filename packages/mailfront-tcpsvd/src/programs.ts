/**
 * Which programs of a chain run in-process: the only place that knows.
 *
 * The rule (docs/mailfront-tcpsvd.md): a program of the chain runs
 * in-process when its name, looked up as execvp would (a bare name in the
 * session's PATH, or a path as given), resolves with symlinks followed to
 * one of this project's installed binaries, and that binary is one of
 * IN_PROCESS below. A binary is this project's when it is the file that the
 * `bin` field of an `@mailfront/*` package.json beside it names:
 * `node_modules/.bin/rblsmtpd` in a clone (a link to
 * packages/rblsmtpd/dist/rblsmtpd.js), `/usr/local/bin/rblsmtpd` after
 * `npm i -g` (a link into lib/node_modules/@mailfront/rblsmtpd/dist). A
 * program of the same name from elsewhere (Debian's C /usr/bin/rblsmtpd)
 * is spawned, as is everything else.
 *
 * An in-process program is the code built into this listener, not the
 * installed file: the file only says which program is meant.
 *
 * mailfront-pop3d is this project's but not in IN_PROCESS: after login it
 * becomes the user (setuid, chdir), which would change the whole process.
 * greetwait and proxy-env run here too: a client waiting for its greeting
 * costs its socket and an entry in greetwait's one scheduler. A new program
 * needs only a line in IN_PROCESS (and the package in devDependencies).
 *
 * Lookups are cached per (PATH, name) and checked again at most once a
 * second, so a reinstall is seen by the next connections.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { findExecutable, parseCli, type Main } from '@mailfront/core';
import { main as qmqpd } from '@mailfront/mailfront-qmqpd/main';
import { main as qmtpd } from '@mailfront/mailfront-qmtpd/main';
import { main as smtpd } from '@mailfront/mailfront-smtpd/main';
import { main as greetwait } from '@mailfront/greetwait/main';
import { main as proxyEnv } from '@mailfront/proxy-env/main';
import { main as rblsmtpd, spec as rblsmtpdSpec } from '@mailfront/rblsmtpd/main';

export interface InProcessProgram {
  name: string;
  main: Main;
  /** Sent to the client when the program dies of a bug, where its protocol has a word for it. */
  crashReply?: string;
  /** The rest of the chain it would run for these arguments (for the start-up log); undefined: none. */
  next?(argv: string[]): string[] | undefined;
}

const SMTP_CRASH = '421 4.3.0 Internal error, closing connection.\r\n';
const discard = { write: () => true };

export const IN_PROCESS: ReadonlyMap<string, InProcessProgram> = new Map(
  [
    {
      name: 'rblsmtpd',
      main: rblsmtpd,
      crashReply: SMTP_CRASH,
      next: (argv: string[]) => {
        const cli = parseCli(rblsmtpdSpec, argv, discard, discard);
        return cli.kind === 'run' ? cli.args : undefined;
      },
    },
    { name: 'mailfront-smtpd', main: smtpd, crashReply: SMTP_CRASH },
    // SECONDS, then the rest of the chain.
    { name: 'greetwait', main: greetwait, crashReply: SMTP_CRASH, next: (argv: string[]) => (argv.length > 1 ? argv.slice(1) : undefined) },
    // No options: the rest of the chain; no reply of its own (the protocol behind the proxy is unknown).
    { name: 'proxy-env', main: proxyEnv, next: (argv: string[]) => (argv.length > 0 ? argv : undefined) },
    { name: 'mailfront-qmtpd', main: qmtpd },
    { name: 'mailfront-qmqpd', main: qmqpd },
  ].map((p) => [p.name, p]),
);

export type Resolved =
  | { kind: 'in-process'; file: string; program: InProcessProgram }
  | { kind: 'spawn'; file: string }
  | { kind: 'missing' };

/** How long a lookup is trusted before the files are looked at again. */
const RECHECK_MS = 1000;
const PACKAGE_SCOPE = '@mailfront/';

/** The bin name of this project's binary at `file` (symlinks followed), if it is one. */
export function projectBinary(file: string): string | undefined {
  let real: string;
  try {
    real = realpathSync(file);
  } catch {
    return undefined;
  }
  const dist = dirname(real);
  if (basename(dist) !== 'dist') return undefined;
  const root = dirname(dist);
  let manifest: { name?: unknown; bin?: unknown };
  try {
    manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as typeof manifest;
  } catch {
    return undefined;
  }
  if (typeof manifest.name !== 'string' || !manifest.name.startsWith(PACKAGE_SCOPE)) return undefined;
  if (typeof manifest.bin !== 'object' || manifest.bin === null) return undefined;
  for (const [name, target] of Object.entries(manifest.bin as Record<string, unknown>)) {
    if (typeof target === 'string' && resolve(root, target) === real) return name;
  }
  return undefined;
}

export class ProgramTable {
  #cache = new Map<string, { resolved: Resolved; at: number }>();

  constructor(
    private readonly programs: ReadonlyMap<string, InProcessProgram> = IN_PROCESS,
    private readonly now: () => number = Date.now,
  ) {}

  /** What running `name` with this PATH means. */
  resolve(name: string, path: string | undefined): Resolved {
    const key = `${path ?? ''}\0${name}`;
    const cached = this.#cache.get(key);
    if (cached && this.now() - cached.at < RECHECK_MS) return cached.resolved;
    const resolved = this.#lookUp(name, path);
    this.#cache.set(key, { resolved, at: this.now() });
    return resolved;
  }

  /** Forgets every lookup (SIGHUP). */
  forget(): void {
    this.#cache.clear();
  }

  #lookUp(name: string, path: string | undefined): Resolved {
    const file = findExecutable(name, path);
    if (file === undefined) return { kind: 'missing' };
    const binary = projectBinary(file);
    const program = binary === undefined ? undefined : this.programs.get(binary);
    return program ? { kind: 'in-process', file, program } : { kind: 'spawn', file };
  }

  /**
   * The chain as far as it can be told before a connection: each program
   * with how it will run, following in-process programs' hand-offs. For
   * the start-up log.
   */
  describe(argv: readonly string[], path: string | undefined): string[] {
    const parts: string[] = [];
    for (let rest: readonly string[] | undefined = argv; rest && rest.length > 0; ) {
      const [name, ...args] = rest as [string, ...string[]];
      const resolved = this.resolve(name, path);
      if (resolved.kind === 'missing') {
        parts.push(`${name} (not found)`);
        break;
      }
      parts.push(`${name} (${resolved.kind === 'in-process' ? 'in-process' : 'spawned'}, ${resolved.file})`);
      rest = resolved.kind === 'in-process' ? resolved.program.next?.(args) : undefined;
    }
    return parts;
  }
}
