/**
 * Benchmark: our cvm-qmail against C cvm-qmail (Debian's cvm 0.97), in the
 * same run, printed as lookups per second and the ratio ours/C (above 1 =
 * ours faster).
 *
 *   npm run build && node tools/bench/run-ts.mjs tools/bench/cvm.ts [--count N] [--repeat N] [--starts N]
 *
 * What is measured (wall clock, best of --repeat runs):
 *  1. lookups through `cvm-local:` (each a connect, request, answer, close),
 *     the way a mail front-end uses a module daemon: C `cvm-benchclient COUNT
 *     cvm-local:SOCKET ACCOUNT DOMAIN` against each server in turn, for
 *     - a users/cdb user         joe@example.org
 *     - a virtual-domain user    info@virt.test (users/cdb wildcard + .qmail-info)
 *     - a passwd user            nobody@example.org (users/cdb miss, /etc/passwd hit)
 *     Both servers run the fixture tree test/fixtures/qmail-tree.
 *     For scale, the same client against a Node server that answers every
 *     connection with a fixed reply and does nothing else: the floor of a
 *     connection-per-request protocol served by Node's net module.
 *  2. command mode, one module process per lookup (`cvm-command:`), which is
 *     a start-up measurement: NODE_EXTRA_CA_CERTS is removed from the
 *     environment of every process started here, as it costs ~40 ms per Node
 *     start. Shown for reference; use the socket mode with a Node module.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { copyTree } from '@mailfront/testkit';
import { compileUsersAssign } from '@mailfront/qmail';

const C_MODULE = '/usr/bin/cvm-qmail';
const BENCHCLIENT = '/usr/bin/cvm-benchclient';
const OUR_MODULE = join(process.cwd(), 'packages/cvm-qmail/dist/cvm-qmail.js');
const FIXTURE = join(process.cwd(), 'test/fixtures/qmail-tree');

const options = { count: 5000, repeat: 3, starts: 40 };
for (let i = 2; i < process.argv.length; i += 2) {
  const name = process.argv[i]!.replace(/^--/, '') as keyof typeof options;
  if (!(name in options)) throw new Error(`unknown option ${process.argv[i]}`);
  options[name] = Number(process.argv[i + 1]);
}

for (const file of [C_MODULE, BENCHCLIENT, OUR_MODULE, FIXTURE]) {
  if (!existsSync(file)) {
    process.stderr.write(`missing ${file} (apt-get install cvm; npm run build; run from the repository root)\n`);
    process.exit(111);
  }
}

const { NODE_EXTRA_CA_CERTS: _unset, ...cleanEnv } = process.env;
const work = mkdtempSync(join(tmpdir(), 'cvm-bench-'));
const root = join(work, 'q');
copyTree(FIXTURE, root, { '@ROOT@': root });
compileUsersAssign(root);
const env = { ...cleanEnv, QMAIL_ROOT: root, CVM_LOOKUP_SECRET: 'secret' };

async function server(program: string[], socket: string): Promise<() => void> {
  const child = spawn(program[0]!, [...program.slice(1), `cvm-local:${socket}`], { env, stdio: 'ignore' });
  for (let i = 0; i < 500 && !existsSync(socket); i++) await new Promise((r) => setTimeout(r, 10));
  if (!existsSync(socket)) throw new Error(`${program.join(' ')} did not start`);
  return () => child.kill('SIGTERM');
}

/** Best wall time of `repeat` runs of cvm-benchclient, as lookups per second. */
function lookupsPerSecond(module: string, account: string, domain: string, count: number): number {
  let best = Infinity;
  for (let r = 0; r < options.repeat; r++) {
    const start = performance.now();
    const result = spawnSync(BENCHCLIENT, [String(count), module, account, domain], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    const elapsed = performance.now() - start;
    if (result.status !== 0) throw new Error(`cvm-benchclient ${module} ${account}@${domain}: ${result.stderr}`);
    best = Math.min(best, elapsed);
  }
  return (count * 1000) / best;
}

/** A Node server that answers a fixed success reply: no parsing, no lookup, no log. */
const FLOOR_SERVER = `
const reply = Buffer.from('000001036a6f6502043230303203043230303205012f00', 'hex');
const server = require('node:net').createServer({ allowHalfOpen: true }, (c) => { c.on('data', () => {}); c.on('end', () => c.end(reply)); });
server.listen(process.argv[1].slice('cvm-local:'.length));
process.on('SIGTERM', () => { server.close(); process.exit(0); });`;

const cSocket = join(work, 'c.sock');
const ourSocket = join(work, 'ours.sock');
const floorSocket = join(work, 'floor.sock');
const stops = [
  await server([C_MODULE], cSocket),
  await server([process.execPath, OUR_MODULE], ourSocket),
  await server([process.execPath, '-e', FLOOR_SERVER], floorSocket),
];
try {
  const row = (cells: string[]) => process.stdout.write(cells.map((c, i) => (i === 0 ? c.padEnd(38) : c.padStart(11))).join('') + '\n');
  process.stdout.write(`cvm-qmail benchmark: node ${process.version}, ${cpus().length} CPUs, ${options.count} lookups x ${options.repeat} (best)\n\n`);
  process.stdout.write('1. lookups through cvm-local: (C cvm-benchclient against each server)\n');
  row(['address', 'C /s', 'ours /s', 'ours/C', 'floor /s', 'ours/floor']);
  for (const [label, account, domain] of [
    ['users/cdb user', 'joe', 'example.org'],
    ['virtual-domain user', 'info', 'virt.test'],
    ['passwd user', 'nobody', 'example.org'],
  ] as const) {
    lookupsPerSecond(`cvm-local:${ourSocket}`, account, domain, 200); // warm-up (JIT)
    const c = lookupsPerSecond(`cvm-local:${cSocket}`, account, domain, options.count);
    const ours = lookupsPerSecond(`cvm-local:${ourSocket}`, account, domain, options.count);
    const floor = lookupsPerSecond(`cvm-local:${floorSocket}`, account, domain, options.count);
    row([`${label} (${account}@${domain})`, c.toFixed(0), ours.toFixed(0), (ours / c).toFixed(2), floor.toFixed(0), (ours / floor).toFixed(2)]);
  }
  process.stdout.write(`\n2. command mode, one module process per lookup (NODE_EXTRA_CA_CERTS unset for every process started)\n`);
  row(['address', 'C /s', 'ours /s', 'ours/C']);
  const c = lookupsPerSecond(`cvm-command:${C_MODULE}`, 'joe', 'example.org', options.starts);
  const ours = lookupsPerSecond(`cvm-command:${OUR_MODULE}`, 'joe', 'example.org', options.starts);
  row(['users/cdb user (joe@example.org)', c.toFixed(0), ours.toFixed(0), (ours / c).toFixed(2)]);
} finally {
  for (const stop of stops) stop();
  rmSync(work, { recursive: true, force: true });
}
