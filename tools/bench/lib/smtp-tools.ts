/**
 * Shared by the SMTP benchmarks (smtp.ts, listener.ts): Postfix's
 * smtp-source, a qmail-queue stand-in written in C, servers on a free port,
 * and smtp-source's load (the CPU of the server's tree from proc.ts).
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { freePort } from '@mailfront/testkit';
import { treeCpu } from './proc.js';
import { median, repositoryRoot } from './stats.js';

const CACHE = join(repositoryRoot(), 'tools/bench/.cache');

export function smtpSource(): { bin: string; libs: string } {
  const unpacked = join(CACHE, 'postfix');
  const bin = join(unpacked, 'usr/sbin/smtp-source');
  if (!existsSync(bin)) {
    mkdirSync(CACHE, { recursive: true });
    execFileSync('apt-get', ['download', 'postfix'], { cwd: CACHE, stdio: 'ignore' });
    const deb = readdirSync(CACHE).find((f) => f.startsWith('postfix_') && f.endsWith('.deb'));
    if (!deb) throw new Error('apt-get download postfix gave no .deb');
    execFileSync('dpkg', ['-x', join(CACHE, deb), unpacked]);
  }
  return { bin, libs: join(unpacked, 'usr/lib/postfix') };
}

/** qmail-queue's interface and nothing else: read the message (fd 0) and the envelope (fd 1), exit 0. */
export function qmailQueueStandIn(work: string): string {
  const source = join(work, 'qq.c');
  const out = join(work, 'qmail-queue');
  writeFileSync(
    source,
    '#include <unistd.h>\nint main(void){char b[65536];while(read(0,b,sizeof b)>0);while(read(1,b,sizeof b)>0);return 0;}\n',
  );
  execFileSync('cc', ['-O2', '-o', out, source]);
  return out;
}

export interface Server {
  name: string;
  port: number;
  child: ChildProcess;
}

export async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const ok = await new Promise<boolean>((r) => {
      const s = connect(port, '127.0.0.1');
      s.on('data', () => {});
      s.once('connect', () => {
        s.destroy();
        r(true);
      });
      s.once('error', () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`nothing listens on ${port}`);
}

export async function start(name: string, command: string[], env: NodeJS.ProcessEnv): Promise<Server> {
  const port = await freePort();
  const args = command.map((a) => (a === 'PORT' ? String(port) : a));
  // The servers' log lines (one per session and message) would drown the figures.
  const child = spawn(args[0]!, args.slice(1), { env, stdio: 'ignore' });
  await waitForPort(port);
  return { name, port, child };
}

export function stop(server: Server): Promise<void> {
  return new Promise((r) => {
    if (server.child.exitCode !== null) return r();
    server.child.once('exit', () => r());
    server.child.kill('SIGTERM');
    setTimeout(() => server.child.kill('SIGKILL'), 10_000).unref();
  });
}

export interface Workload {
  name: string;
  size: number;
  messages: number;
  perSession: boolean;
}

/** smtp-source with `sessions` parallel sessions (20 by default) against the server; messages per second and the server tree's CPU per message. */
export async function load(server: Server, w: Workload, tool: { bin: string; libs: string }, sessions = 20): Promise<Throughput> {
  const args = ['-s', String(sessions), '-m', String(w.messages), '-l', String(w.size), '-f', 'bench@sender.test', '-t', 'user@example.org'];
  if (w.perSession) args.push('-d');
  const cpuBefore = treeCpu(server.child.pid!);
  const started = process.hrtime.bigint();
  // smtp-source goes on after a refused message and says so on stderr only:
  // a figure for mail that was not accepted would be meaningless.
  const run = spawnSync(tool.bin, [...args, `127.0.0.1:${server.port}`], {
    env: { LD_LIBRARY_PATH: tool.libs, PATH: process.env.PATH },
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
  });
  const complaints = `${run.error?.message ?? ''}${run.status === 0 ? '' : ` (exit ${run.status ?? run.signal})`}${run.stderr}`;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await new Promise((r) => setTimeout(r, 300));
  const cpu = treeCpu(server.child.pid!) - cpuBefore;
  if (complaints.trim() !== '') throw new Error(`smtp-source against ${server.name}: ${complaints.trim().split('\n').slice(0, 3).join(' / ')}`);
  return { perSecond: w.messages / seconds, cpuMs: (cpu * 1000) / w.messages };
}

export interface Throughput {
  perSecond: number;
  cpuMs: number;
}

/**
 * `rounds` loads of each server, back to back, alternating which goes first
 * from round to round (the machine is shared); the median of each figure per
 * server, keyed by the server's name.
 */
export async function interleaved(servers: Server[], w: Workload, tool: { bin: string; libs: string }, rounds: number, sessions = 20): Promise<Map<string, Throughput>> {
  const runs = new Map<string, Throughput[]>(servers.map((s) => [s.name, []]));
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? servers : [...servers].reverse();
    for (const s of order) runs.get(s.name)!.push(await load(s, w, tool, sessions));
  }
  return new Map([...runs].map(([name, r]) => [name, { perSecond: median(r.map((x) => x.perSecond)), cpuMs: median(r.map((x) => x.cpuMs)) }]));
}

/** A qmail tree for the benchmarks: example.org is local (rcpthosts), the host is bench.test. */
export function qmailTree(work: string): string {
  const home = join(work, 'qmail');
  mkdirSync(join(home, 'control'), { recursive: true });
  writeFileSync(join(home, 'control/rcpthosts'), 'example.org\n');
  writeFileSync(join(home, 'control/me'), 'bench.test\n');
  return home;
}

