/**
 * cvm-qmail against the C cvm-qmail (Debian's cvm 0.97), in the same run,
 * interleaved round by round, as ratios ours/C (above 1: ours faster):
 *
 *   node_modules/.bin/node tools/bench/run-ts.mjs tools/bench/cvm.ts [--rounds N] [--lookups N] [--workers N,N]
 *
 * - servers on `cvm-local:` UNIX sockets, both answering the fixture tree
 *   test/fixtures/qmail-tree: the C module, and ours with each `--workers`
 *   count (default 1 and 2: `cvm-qmail --workers N`);
 * - load: C `cvm-benchclient` (one connection per lookup: connect, request,
 *   answer, close), 1 and 4 at once, for a users/cdb user (joe@example.org),
 *   a virtual-domain user (info@virt.test: users/cdb wildcard and
 *   .qmail-info), a passwd user (nobody@example.org: users/cdb miss,
 *   /etc/passwd hit); an unknown user (nosuch@example.org) with lib/cvmloop.c,
 *   the same exchange, since cvm-benchclient stops at the first refusal;
 * - per cell: lookups per second (wall clock of all clients), and the
 *   server's CPU per lookup (its own and its workers', from /proc), the
 *   median of the rounds; each round runs C and ours back to back,
 *   alternating which goes first;
 * - for scale, a Node server that answers every connection with a fixed
 *   reply and does nothing else: the floor of any Node module server of
 *   this protocol (`--floor` adds it);
 * - the resident size of each server process after the runs;
 * - command mode (`cvm-command:`, one module process per lookup) for
 *   reference: a start-up measurement (NODE_EXTRA_CA_CERTS unset).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cred, encodeRequestV2 } from '@mailfront/cvm';
import { compileUsersAssign } from '@mailfront/qmail';
import { copyTree } from '@mailfront/testkit';
import { cTool } from './lib/c-tool.js';
import { rssMb, tree, treeCpu } from './lib/proc.js';
import { cleanEnv, fixed, loadLine, median, numberOption, repositoryRoot } from './lib/stats.js';

const ROOT = repositoryRoot();
const NODE = join(ROOT, 'node_modules/.bin/node');
const C_MODULE = '/usr/bin/cvm-qmail';
const BENCHCLIENT = '/usr/bin/cvm-benchclient';
const OUR_MODULE = join(ROOT, 'packages/cvm-qmail/dist/cvm-qmail.js');
const ROUNDS = numberOption('rounds', 3);
const LOOKUPS = numberOption('lookups', 12000);
const WARMUP = numberOption('warmup', 20000);
const workersArg = process.argv.indexOf('--workers');
const WORKERS = (workersArg === -1 ? '1,2' : process.argv[workersArg + 1]!).split(',').map(Number);
const SECRET = 'secret';
/** Answers every connection with a fixed success reply once the client half-closes: no parsing, lookup or log. */
const FLOOR_SERVER = `
const reply = Buffer.from('000001036a6f6502043230303203043230303205012f00', 'hex');
const server = require('node:net').createServer({ allowHalfOpen: true }, (c) => { c.on('data', () => {}); c.on('end', () => c.end(reply)); });
server.listen(process.argv.at(-1).slice('cvm-local:'.length));
process.on('SIGTERM', () => { server.close(); process.exit(0); });`;

for (const file of [C_MODULE, BENCHCLIENT, OUR_MODULE]) {
  if (!existsSync(file)) {
    process.stderr.write(`missing ${file} (apt-get install cvm; npm run build)\n`);
    process.exit(111);
  }
}

const work = mkdtempSync(join(tmpdir(), 'bench-cvm-'));
const root = join(work, 'q');
copyTree(join(ROOT, 'test/fixtures/qmail-tree'), root, { '@ROOT@': root });
compileUsersAssign(root);
const env = cleanEnv({ QMAIL_ROOT: root, CVM_LOOKUP_SECRET: SECRET });

const CVMLOOP = cTool(ROOT, 'cvmloop');

interface Server {
  name: string;
  socket: string;
  child: ChildProcess;
}

async function startServer(name: string, argv: string[]): Promise<Server> {
  const socket = join(work, `${name.replace(/\W+/g, '-')}.sock`);
  const child = spawn(argv[0]!, [...argv.slice(1), `cvm-local:${socket}`], { env, stdio: 'ignore' });
  for (let i = 0; i < 500 && !existsSync(socket); i++) await new Promise((r) => setTimeout(r, 10));
  if (!existsSync(socket)) throw new Error(`${argv.join(' ')} did not start`);
  // Workers, if any, start after the socket; give them a moment.
  await new Promise((r) => setTimeout(r, 500));
  return { name, socket, child };
}

interface Klass {
  label: string;
  account: string;
  domain: string;
  /** cvm-benchclient cannot load refusals. */
  refused?: boolean;
}
const CLASSES: Klass[] = [
  { label: 'users/cdb user', account: 'joe', domain: 'example.org' },
  { label: 'virtual-domain user', account: 'info', domain: 'virt.test' },
  { label: 'passwd user', account: 'nobody', domain: 'example.org' },
  { label: 'unknown user', account: 'nosuch', domain: 'example.org', refused: true },
];

function requestHex(k: Klass): string {
  const credentials = [
    { type: Cred.ACCOUNT, value: Buffer.from(k.account) },
    { type: Cred.DOMAIN, value: Buffer.from(k.domain) },
    { type: Cred.SECRET, value: Buffer.from(SECRET) },
  ];
  const encoded = encodeRequestV2(Buffer.from('0123456789abcdef'), credentials);
  if (!encoded.ok) throw new Error(encoded.reason);
  return encoded.packet.toString('hex');
}

/** Runs `clients` clients of `perClient` lookups each at once; lookups per second and server CPU µs per lookup. */
async function measure(server: Server, k: Klass, clients: number, perClient: number): Promise<{ rate: number; cpuUs: number }> {
  const cpuBefore = treeCpu(server.child.pid!);
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: clients }, () => {
      const argv = k.refused
        ? [CVMLOOP, String(perClient), server.socket, requestHex(k)]
        : [BENCHCLIENT, String(perClient), `cvm-local:${server.socket}`, k.account, k.domain];
      return new Promise<void>((resolve, reject) => {
        const child = spawn(argv[0]!, argv.slice(1), { env, stdio: ['ignore', 'ignore', 'pipe'] });
        let err = '';
        child.stderr.on('data', (b: Buffer) => (err += b));
        child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${argv.join(' ')}: ${code} ${err}`))));
      });
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = treeCpu(server.child.pid!) - cpuBefore;
  const lookups = clients * perClient;
  return { rate: lookups / seconds, cpuUs: (cpu * 1e6) / lookups };
}

const servers: Server[] = [];
try {
  servers.push(await startServer('C cvm-qmail', [C_MODULE]));
  for (const n of WORKERS) servers.push(await startServer(`ours, ${n} worker${n === 1 ? '' : 's'}`, [NODE, OUR_MODULE, ...(n > 1 ? ['--workers', String(n)] : [])]));
  if (process.argv.includes('--floor')) servers.push(await startServer('Node floor', [NODE, '-e', FLOOR_SERVER]));
  const [c, ...ours] = servers as [Server, ...Server[]];
  // Warm-up: the JIT compiles the lookup path before the clock runs.
  for (const s of ours) for (const k of CLASSES) await measure(s, k, 1, WARMUP);

  type Cell = { rate: number[]; cpuUs: number[] };
  const cells = new Map<string, Cell>();
  const cell = (key: string) => cells.get(key) ?? cells.set(key, { rate: [], cpuUs: [] }).get(key)!;
  for (let round = 0; round < ROUNDS; round++) {
    for (const k of CLASSES) {
      for (const clients of [1, 4]) {
        const order = round % 2 === 0 ? [c, ...ours] : [...ours, c];
        for (const s of order) {
          const r = await measure(s, k, clients, Math.round(LOOKUPS / clients));
          const x = cell(`${s.name}|${k.label}|${clients}`);
          x.rate.push(r.rate);
          x.cpuUs.push(r.cpuUs);
        }
      }
    }
  }

  console.log(`cvm-qmail over cvm-local: against the C module, ${ROUNDS} interleaved rounds of ${LOOKUPS} lookups per cell, medians`);
  console.log(`node ${process.version}, ${loadLine()}; one connection per lookup; CPU is the server's (workers included)`);
  console.log('');
  const head = ['lookup', 'clients', 'C /s', 'C CPU µs', ...ours.flatMap((s) => [`${s.name} /s`, 'ours/C', 'CPU µs'])];
  console.log(`| ${head.join(' | ')} |`);
  console.log(`| ${head.map(() => '---').join(' | ')} |`);
  for (const k of CLASSES) {
    for (const clients of [1, 4]) {
      const base = cell(`${c.name}|${k.label}|${clients}`);
      const cRate = median(base.rate);
      const row = [`${k.label} (${k.account}@${k.domain})`, String(clients), fixed(cRate), fixed(median(base.cpuUs))];
      for (const s of ours) {
        const x = cell(`${s.name}|${k.label}|${clients}`);
        row.push(fixed(median(x.rate)), (median(x.rate) / cRate).toFixed(2), fixed(median(x.cpuUs)));
      }
      console.log(`| ${row.join(' | ')} |`);
    }
  }
  console.log('');
  console.log('Resident size after the runs (MB, per process):');
  for (const s of servers) console.log(`- ${s.name}: ${tree(s.child.pid!).map(rssMb).map((m) => m.toFixed(1)).join(' + ')}`);

  // Command mode: the C client starts the module with a bare environment,
  // so ours runs through a wrapper naming the project's Node.
  const wrapper = join(work, 'cvm-qmail-command');
  writeFileSync(wrapper, `#!/bin/sh\nexec '${NODE}' '${OUR_MODULE}' "$@"\n`);
  chmodSync(wrapper, 0o755);
  const starts = (module: string) => {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(BENCHCLIENT, ['20', `cvm-command:${module}`, 'joe', 'example.org'], { env });
    if (r.status !== 0) throw new Error(`command mode ${module}: ${r.stderr}`);
    return 20 / (Number(process.hrtime.bigint() - t0) / 1e9);
  };
  const commandC = median([starts(C_MODULE), starts(C_MODULE), starts(C_MODULE)]);
  const commandOurs = median([starts(wrapper), starts(wrapper), starts(wrapper)]);
  console.log('');
  console.log(`Command mode (a module process per lookup): C ${fixed(commandC)}/s, ours ${fixed(commandOurs)}/s (${(commandOurs / commandC).toFixed(2)}); use a server with a Node module.`);
  console.log('');
  console.log(loadLine());
} finally {
  for (const s of servers) s.child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 300));
  rmSync(work, { recursive: true, force: true });
}
