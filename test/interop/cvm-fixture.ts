/**
 * Shared set-up of the cvm interop and differential tests: the fixture
 * qmail tree with users/cdb compiled by tinycdb (the C side's tool), the
 * paths of our bundles, and long-running module servers.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { copyTree, run, scratchDir, untrackedEnv, waitFor, type Teardown } from '@mailfront/testkit';

const repository = resolve(import.meta.dirname, '../..');
export const FIXTURE_TREE = join(repository, 'test/fixtures/qmail-tree');
export const OUR_CVM_QMAIL = join(repository, 'packages/cvm-qmail/dist/cvm-qmail.js');
export const OUR_TESTCLIENT = join(repository, 'packages/cvm-testclient/dist/cvm-testclient.js');

/**
 * Where the C oracles are looked for. Not the test's PATH: after a build,
 * node_modules/.bin holds our cvm-qmail and cvm-testclient under the same
 * names, and a differential test would compare us with ourselves.
 */
export const ORACLE_ENV: NodeJS.ProcessEnv = { ...process.env, PATH: '/usr/sbin:/usr/bin:/sbin:/bin' };

/**
 * qmail-newu's records in cdbmake text (`+klen,dlen:key->data`), written
 * here independently of @mailfront/qmail so that the C tools build the
 * database both implementations read.
 */
function cdbmakeText(assign: string): Buffer {
  const lines: Buffer[] = [];
  const add = (key: string, data: string) => {
    const k = Buffer.from(key);
    const d = Buffer.from(data);
    lines.push(Buffer.from(`+${k.length},${d.length}:`), k, Buffer.from('->'), d, Buffer.from('\n'));
  };
  let wild = '';
  for (const line of assign.split('\n')) {
    if (line.startsWith('.')) break;
    /* c8 ignore next: only when the set-up itself fails */
    if (line === '') continue;
    const colon = line.indexOf(':');
    const local = line.slice(1, colon).toLowerCase();
    if (line[0] === '+' && local !== '' && !wild.includes(local.slice(-1))) wild += local.slice(-1);
    add(line[0] === '=' ? `!${local}\0` : `!${local}`, line.slice(colon + 1).split(':').slice(0, 6).join('\0'));
  }
  add('', wild);
  return Buffer.concat([...lines, Buffer.from('\n')]);
}

/** A copy of the fixture tree at SCRATCH/q, its users/cdb made by tinycdb's `cdb -c`. */
export async function qmailTree(t: Teardown, cdb: string): Promise<string> {
  const root = join(scratchDir(t, 'cvm-interop-'), 'q');
  copyTree(FIXTURE_TREE, root, { '@ROOT@': root });
  const made = await run(cdb, ['-c', join(root, 'users/cdb')], { input: cdbmakeText(readFileSync(join(root, 'users/assign'), 'utf8')) });
  /* c8 ignore next: only when the set-up itself fails */
  if (made.status !== 0) throw new Error(`cdb -c failed: ${made.stderr}`);
  return root;
}

export interface ModuleServer {
  log(): string;
  stop(): Promise<number | null>;
}

/** Starts a module server and waits for its `Starting.` (C: stdout; ours: stderr). */
export async function startModule(program: string, target: string, env: NodeJS.ProcessEnv): Promise<ModuleServer> {
  const child: ChildProcess = spawn(program, [target], { env: untrackedEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout!.on('data', (b: Buffer) => (log += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (log += b.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  await waitFor(`${program} ${target} to start`, () => {
    /* c8 ignore next: only when the set-up itself fails */
    if (child.exitCode !== null) throw new Error(`${program} ${target} exited: ${log}`);
    return log.includes('Starting.');
  });
  /* c8 ignore next: only when the set-up itself fails */
  if (target.startsWith('cvm-local:') && !existsSync(target.slice('cvm-local:'.length))) throw new Error(`no socket: ${log}`);
  return {
    log: () => log,
    stop: () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/** What a cvm-testclient run shows: stdout, stderr and exit status in one text. */
export async function testclient(client: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const r = await run(client, args, { env, timeoutMs: 60_000 });
  /* c8 ignore next: only when the set-up itself fails */
  return `${r.stdout.toString('latin1')}--stderr--\n${r.stderr.toString('latin1')}[exit ${r.status ?? r.signal}]`;
}
