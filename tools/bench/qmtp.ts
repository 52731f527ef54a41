/**
 * QMTP throughput: our mailfront-qmtpd against Debian's C `mailfront qmtp`,
 * each under the real tcpserver on 127.0.0.1, in the same run, with the same
 * backend and plugins, driven by the same in-process QMTP client. Prints
 * messages per second and server CPU per message, and the ratios ours/C.
 *
 *   node tools/bench/run-ts.mjs tools/bench/qmtp.ts [--quick]
 *
 * Workloads (each run --repeat times, median):
 *  - pipelined: N small messages back to back on one connection (echo
 *    backend): the protocol and plugin chain in steady state;
 *  - queuedir: the same into a queue directory (QUEUEDIR_NOSYNC, so the disk's
 *    fsync does not drown the difference);
 *  - per connection: one message per connection, 4 connections at a time:
 *    dominated by process start (Node's ~40 ms against C's ~1 ms);
 *  - large: 1 MiB messages on one connection, reported in MiB/s as well.
 * Every message has one recipient, so both servers give one answer per
 * message (ours answers per recipient, mailfront 2.12 per message).
 *
 * Server CPU is the user+system time of tcpserver's reaped children
 * (/proc/PID/stat cutime+cstime), so it includes process start.
 * NODE_EXTRA_CA_CERTS makes every Node start load extra certificates, so the
 * servers run with a minimal environment without it (and say so).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

function repositoryRoot(): string {
  for (let dir = process.cwd(); dir !== '/'; dir = resolve(dir, '..')) if (existsSync(join(dir, 'nx.json'))) return dir;
  throw new Error('run this from inside the mailfront-ts repository');
}
const ROOT = repositoryRoot();
const BUNDLE = join(ROOT, 'packages/mailfront-qmtpd/dist/mailfront-qmtpd.js');
const MAILFRONT = '/usr/sbin/mailfront';
const TCPSERVER = '/usr/bin/tcpserver';
const quick = process.argv.includes('--quick');
const REPEAT = quick ? 1 : 3;
const CLOCK_TICKS = 100;

interface Workload {
  name: string;
  backend: 'echo' | 'queuedir';
  size: number;
  messages: number;
  /** Messages per connection (messages when all go over one). */
  perConnection: number;
  parallel: number;
}

const WORKLOADS: Workload[] = [
  { name: 'pipelined, 2 KiB, echo', backend: 'echo', size: 2048, messages: quick ? 1000 : 20_000, perConnection: quick ? 1000 : 20_000, parallel: 1 },
  { name: 'pipelined, 2 KiB, queuedir', backend: 'queuedir', size: 2048, messages: quick ? 500 : 5000, perConnection: quick ? 500 : 5000, parallel: 1 },
  { name: 'one per connection, 2 KiB', backend: 'echo', size: 2048, messages: quick ? 40 : 200, perConnection: 1, parallel: 4 },
  { name: 'large, 1 MiB, echo', backend: 'echo', size: 1 << 20, messages: quick ? 10 : 50, perConnection: quick ? 10 : 50, parallel: 1 },
];

const netstring = (data: Buffer) => Buffer.concat([Buffer.from(`${data.length}:`), data, Buffer.from(',')]);

/** One QMTP package: a message of `size` bytes of LF lines, one sender, one recipient. */
function qmtpPackage(size: number, n: number): Buffer {
  const header = `Message-Id: <${n}@bench.test>\nSubject: bench\n\n`;
  const line = 'abcdefghijklmnopqrstuvwxyz0123456789 abcdefghijklmnopqrstuvwxyz012345678\n';
  const body = header + line.repeat(Math.max(0, Math.ceil((size - header.length) / line.length)));
  const recipients = netstring(Buffer.from('user@example.org'));
  return Buffer.concat([netstring(Buffer.from('\n' + body.slice(0, size))), netstring(Buffer.from(`bench${n}@sender.test`)), netstring(recipients)]);
}

/** Sends the packages on one connection and counts answers; rejects on any non-K answer. */
function session(port: number, packages: Buffer[]): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const socket = connect(port, '127.0.0.1');
    let pending = Buffer.alloc(0);
    let answered = 0;
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        const colon = pending.indexOf(0x3a);
        if (colon === -1) break;
        const end = colon + 1 + Number(pending.subarray(0, colon).toString());
        if (pending.length <= end) break;
        if (pending[colon + 1] !== 0x4b) reject(new Error(`answer ${pending.subarray(colon + 1, end).toString()}`));
        pending = pending.subarray(end + 1);
        if (++answered === packages.length) socket.end();
      }
    });
    socket.on('close', () => (answered === packages.length ? resolvePromise() : reject(new Error(`${answered} of ${packages.length} answers`))));
    socket.on('connect', () => {
      const write = (i: number): void => {
        for (; i < packages.length; i++) {
          if (!socket.write(packages[i]!)) {
            socket.once('drain', () => write(i + 1));
            return;
          }
        }
      };
      write(0);
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

async function listening(port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise<boolean>((res) => {
      const s = connect(port, '127.0.0.1');
      s.on('connect', () => (s.destroy(), res(true)));
      s.on('error', () => res(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`nothing listens on ${port}`);
}

/** CPU seconds of tcpserver's reaped children (/proc/PID/stat fields cutime, cstime). */
function childCpu(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS;
}

interface Server {
  port: number;
  child: ChildProcess;
}

async function serve(program: string[], env: NodeJS.ProcessEnv): Promise<Server> {
  const port = await freePort();
  const child = spawn(TCPSERVER, ['-R', '-H', '-l', 'bench.test', '-c', '100', '127.0.0.1', String(port), ...program], { env, stdio: 'ignore' });
  await listening(port);
  return { port, child };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Measured {
  rate: number;
  /** Server CPU per message in ms; undefined when the total was below two clock ticks. */
  cpuMs: number | undefined;
}

async function measure(server: Server, w: Workload): Promise<Measured> {
  const packages = Array.from({ length: w.messages }, (_, n) => qmtpPackage(w.size, n));
  const batches: Buffer[][] = [];
  for (let i = 0; i < packages.length; i += w.perConnection) batches.push(packages.slice(i, i + w.perConnection));
  const cpuBefore = childCpu(server.child.pid!);
  const started = process.hrtime.bigint();
  let next = 0;
  const worker = async () => {
    while (next < batches.length) await session(server.port, batches[next++]!);
  };
  await Promise.all(Array.from({ length: w.parallel }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  // tcpserver reaps its children on SIGCHLD; give it a moment before reading their CPU.
  await new Promise((r) => setTimeout(r, 200));
  const cpu = childCpu(server.child.pid!) - cpuBefore;
  return { rate: w.messages / seconds, cpuMs: cpu >= 2 / CLOCK_TICKS ? (cpu * 1000) / w.messages : undefined };
}

async function main(): Promise<void> {
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run npm run build first`);
  for (const tool of [MAILFRONT, TCPSERVER]) if (!existsSync(tool)) throw new Error(`${tool} is missing (apt-get install mailfront ucspi-tcp)`);
  const work = mkdtempSync(join(tmpdir(), 'bench-qmtp-'));
  try {
    console.log(`QMTP throughput, ours (mailfront-qmtpd on ${process.execPath} ${process.version}) against C mailfront 2.12, both under tcpserver`);
    console.log('servers run with a minimal environment (PATH, QUEUEDIR*): NODE_EXTRA_CA_CERTS is unset for them');
    console.log(`median of ${REPEAT} run(s); rate ratio above 1 = ours faster; CPU ratio above 1 = ours uses more\n`);
    const rows: string[][] = [['workload', 'C msg/s', 'ours msg/s', 'ours/C rate', 'C CPU ms/msg', 'ours CPU ms/msg', 'ours/C CPU']];
    for (const w of WORKLOADS) {
      const results: Record<'c' | 'ours', Measured> = {} as never;
      for (const side of ['c', 'ours'] as const) {
        const queue = join(work, `${side}-${w.name.replace(/\W+/g, '-')}`);
        for (const sub of ['tmp', 'new']) mkdirSync(join(queue, sub), { recursive: true });
        const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', QUEUEDIR: queue, QUEUEDIR_NOSYNC: '1' };
        const program = side === 'c' ? [MAILFRONT, 'qmtp', w.backend, 'accept'] : [process.execPath, BUNDLE, w.backend, 'accept'];
        const server = await serve(program, env);
        try {
          const runs = [];
          for (let i = 0; i < REPEAT; i++) runs.push(await measure(server, w));
          const cpu = runs.map((r) => r.cpuMs).filter((x): x is number => x !== undefined);
          results[side] = { rate: median(runs.map((r) => r.rate)), cpuMs: cpu.length === runs.length ? median(cpu) : undefined };
        } finally {
          server.child.kill('SIGTERM');
        }
        rmSync(queue, { recursive: true, force: true });
      }
      const { c, ours } = results;
      const mib = w.size >= 1 << 20 ? ` (${((c.rate * w.size) / 2 ** 20).toFixed(0)} / ${((ours.rate * w.size) / 2 ** 20).toFixed(0)} MiB/s)` : '';
      const cpu = (x: number | undefined) => (x === undefined ? '<2 ticks' : x.toFixed(3));
      const cpuRatio = c.cpuMs !== undefined && ours.cpuMs !== undefined ? (ours.cpuMs / c.cpuMs).toFixed(1) : 'n/a';
      rows.push([w.name + mib, c.rate.toFixed(0), ours.rate.toFixed(0), (ours.rate / c.rate).toFixed(2), cpu(c.cpuMs), cpu(ours.cpuMs), cpuRatio]);
    }
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    for (const r of rows) console.log(r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '));
    console.log(`\nCPU is counted in clock ticks of ${1000 / CLOCK_TICKS} ms; '<2 ticks' means too little to measure.`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
