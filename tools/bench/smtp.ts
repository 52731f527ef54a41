/**
 * SMTP throughput: Postfix's smtp-source against our mailfront-smtpd and
 * against Debian's C mailfront, each under the real tcpserver on
 * 127.0.0.1, in the same run, with the same plugin chain and the same
 * qmail-queue stand-in. Prints messages per second and CPU per message as
 * ratios ours/C.
 *
 *   node tools/bench/run-ts.mjs tools/bench/smtp.ts [--quick]
 *
 * smtp-source comes from Debian's postfix package, downloaded with
 * `apt-get download postfix` and unpacked with `dpkg -x` into
 * tools/bench/.cache (postfix is never installed as a service).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The repository: the benchmark runs from a bundle in a temporary directory, so look from the working directory up. */
function repositoryRoot(): string {
  for (let dir = process.cwd(); dir !== '/'; dir = resolve(dir, '..')) if (existsSync(join(dir, 'nx.json'))) return dir;
  throw new Error('run this from inside the mailfront-ts repository');
}
const ROOT = repositoryRoot();
const CACHE = join(ROOT, 'tools/bench/.cache');
const quick = process.argv.includes('--quick');
const CLOCK_TICKS = 100;

function smtpSource(): { bin: string; libs: string } {
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

function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

/** CPU seconds of a process's reaped children (utime+stime of the dead, /proc/PID/stat fields 16-17). */
function childCpu(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS;
}

async function serve(program: string[], env: NodeJS.ProcessEnv): Promise<{ port: number; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn('tcpserver', ['-R', '-H', '-l', 'bench.test', '-c', '100', '127.0.0.1', String(port), ...program], { env, stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 300));
  return { port, child };
}

interface Workload {
  name: string;
  size: number;
  messages: number;
  perSession: boolean;
}

async function measure(server: { port: number; child: ChildProcess }, w: Workload, tool: { bin: string; libs: string }) {
  const args = ['-s', '4', '-m', String(w.messages), '-l', String(w.size), '-f', 'bench@sender.test', '-t', 'user@example.org'];
  if (w.perSession) args.push('-d');
  const cpuBefore = childCpu(server.child.pid!);
  const started = process.hrtime.bigint();
  execFileSync(tool.bin, [...args, `127.0.0.1:${server.port}`], { env: { LD_LIBRARY_PATH: tool.libs, PATH: process.env.PATH }, stdio: 'ignore' });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  // tcpserver reaps its children asynchronously; let it catch up.
  await new Promise((r) => setTimeout(r, 200));
  const cpu = childCpu(server.child.pid!) - cpuBefore;
  return { perSecond: w.messages / seconds, cpuMs: (cpu * 1000) / w.messages };
}

async function main() {
  const tool = smtpSource();
  const work = mkdtempSync(join(tmpdir(), 'bench-smtp-'));
  const qq = join(work, 'qmail-queue');
  writeFileSync(qq, '#!/bin/sh\ncat >/dev/null\ncat <&1 >/dev/null\n');
  chmodSync(qq, 0o755);
  const chain = ['qmail', 'check-fqdn', 'counters', 'add-received', 'accept'];
  // Start-up cost is what this measures, so no NODE_EXTRA_CA_CERTS (it triples Node's start).
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, QMAILHOME: work, QMAILQUEUE: qq, DATABYTES: '10000000' };
  const ours = await serve([process.execPath, join(ROOT, 'packages/mailfront-smtpd/dist/mailfront-smtpd.js'), ...chain], env);
  const c = await serve(['/usr/sbin/mailfront', 'smtp', ...chain], env);
  const scale = quick ? 0.2 : 1;
  const workloads: Workload[] = [
    { name: '1 KB, one message per connection', size: 1024, messages: Math.round(400 * scale), perSession: false },
    { name: '100 KB, one message per connection', size: 100 * 1024, messages: Math.round(200 * scale), perSession: false },
    { name: '1 KB, many messages per session', size: 1024, messages: Math.round(4000 * scale), perSession: true },
    { name: '100 KB, many messages per session', size: 100 * 1024, messages: Math.round(1000 * scale), perSession: true },
  ];
  console.log(`SMTP benchmark: smtp-source -s 4 against tcpserver on 127.0.0.1; chain: ${chain.join(' ')}`);
  console.log(`node ${process.version} for ours (NODE_EXTRA_CA_CERTS unset for the servers); qmail-queue stand-in: sh reading fd 0 and fd 1`);
  console.log('');
  console.log('| workload | ours msg/s | C msg/s | ratio ours/C | ours CPU ms/msg | C CPU ms/msg | ratio ours/C |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  try {
    for (const w of workloads) {
      const a = await measure(ours, w, tool);
      const b = await measure(c, w, tool);
      const f = (n: number) => n.toFixed(n < 10 ? 2 : 0);
      console.log(`| ${w.name} | ${f(a.perSecond)} | ${f(b.perSecond)} | ${(a.perSecond / b.perSecond).toFixed(2)} | ${a.cpuMs.toFixed(2)} | ${b.cpuMs.toFixed(2)} | ${(a.cpuMs / b.cpuMs).toFixed(2)} |`);
    }
  } finally {
    ours.child.kill();
    c.child.kill();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
