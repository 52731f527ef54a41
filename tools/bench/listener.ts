/**
 * mailfront-tcpsvd against the C chain under tcpserver, in the same run,
 * interleaved, as ratios ours/C (issue 13's targets):
 *
 *   ours: mailfront-tcpsvd -w N … rblsmtpd mailfront-smtpd BACKEND PLUGINS  (in-process)
 *   C:    tcpserver … rblsmtpd mailfront smtp BACKEND PLUGINS               (fork + exec per connection)
 *
 * with the seed's plugins (check-fqdn counters relayclient qmail-validate
 * add-received accept-sender), RBLSMTPD empty (no DNS), the echo backend,
 * then the qmail backend with one qmail-queue stand-in written in C for both
 * sides. Postfix's smtp-source is the load (downloaded with `apt-get
 * download postfix` + `dpkg -x` into tools/bench/.cache, never installed).
 * Also: total RSS of 1,000 (and, when `ulimit -n` allows, 10,000) idle SMTP
 * sessions held by one mailfront-tcpsvd, and connect → greeting latency.
 *
 *   node tools/bench/run-ts.mjs tools/bench/listener.ts [--quick] [--rounds N] [--workers N]
 *
 * The machine is shared: every figure is the median of the rounds, each
 * round runs ours and C back to back (alternating which goes first), and the
 * load average is printed. NODE_EXTRA_CA_CERTS is unset for the servers.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

function repositoryRoot(): string {
  for (let dir = process.cwd(); dir !== '/'; dir = resolve(dir, '..')) if (existsSync(join(dir, 'nx.json'))) return dir;
  throw new Error('run this from inside the mailfront-ts repository');
}
const ROOT = repositoryRoot();
const CACHE = join(ROOT, 'tools/bench/.cache');
const BIN = join(ROOT, 'node_modules/.bin');
const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i === -1 ? undefined : process.argv[i + 1];
};
const quick = process.argv.includes('--quick');
const ROUNDS = Number(arg('--rounds') ?? (quick ? 1 : 3));
const WORKERS = Number(arg('--workers') ?? availableParallelism());
const CLOCK_TICKS = 100;
const PLUGINS = ['check-fqdn', 'counters', 'relayclient', 'qmail-validate', 'add-received', 'accept-sender'];

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

/** qmail-queue's interface and nothing else: read the message (fd 0) and the envelope (fd 1), exit 0. */
function qmailQueueStandIn(work: string): string {
  const source = join(work, 'qq.c');
  const out = join(work, 'qmail-queue');
  writeFileSync(
    source,
    '#include <unistd.h>\nint main(void){char b[65536];while(read(0,b,sizeof b)>0);while(read(1,b,sizeof b)>0);return 0;}\n',
  );
  execFileSync('cc', ['-O2', '-o', out, source]);
  return out;
}

function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

function stat(pid: number): string[] {
  return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
}

/** A process tree's CPU seconds: its own and its living descendants', and what they reaped. */
function treeCpu(pid: number): number {
  let total = 0;
  for (const p of tree(pid)) {
    try {
      const f = stat(p);
      total += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    } catch {
      // gone meanwhile
    }
  }
  return total / CLOCK_TICKS;
}

function tree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ppid = Number(stat(Number(entry))[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone
    }
  }
  const out: number[] = [];
  for (const queue = [pid]; queue.length > 0; ) {
    const p = queue.shift()!;
    out.push(p);
    queue.push(...(children.get(p) ?? []));
  }
  return out;
}

/** Total resident memory of a process tree, in MB. */
function treeRss(pid: number): number {
  let kb = 0;
  for (const p of tree(pid)) {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      kb += Number(m?.[1] ?? 0);
    } catch {
      // gone
    }
  }
  return kb / 1024;
}

interface Server {
  name: string;
  port: number;
  child: ChildProcess;
}

async function waitForPort(port: number): Promise<void> {
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

async function start(name: string, command: string[], env: NodeJS.ProcessEnv): Promise<Server> {
  const port = await freePort();
  const args = command.map((a) => (a === 'PORT' ? String(port) : a));
  // The servers' log lines (one per session and message) would drown the figures.
  const child = spawn(args[0]!, args.slice(1), { env, stdio: 'ignore' });
  await waitForPort(port);
  return { name, port, child };
}

function stop(server: Server): Promise<void> {
  return new Promise((r) => {
    if (server.child.exitCode !== null) return r();
    server.child.once('exit', () => r());
    server.child.kill('SIGTERM');
    setTimeout(() => server.child.kill('SIGKILL'), 10_000).unref();
  });
}

interface Workload {
  name: string;
  size: number;
  messages: number;
  perSession: boolean;
}

async function load(server: Server, w: Workload, tool: { bin: string; libs: string }): Promise<{ perSecond: number; cpuMs: number }> {
  const args = ['-s', '20', '-m', String(w.messages), '-l', String(w.size), '-f', 'bench@sender.test', '-t', 'user@example.org'];
  if (w.perSession) args.push('-d');
  const cpuBefore = treeCpu(server.child.pid!);
  const started = process.hrtime.bigint();
  execFileSync(tool.bin, [...args, `127.0.0.1:${server.port}`], { env: { LD_LIBRARY_PATH: tool.libs, PATH: process.env.PATH }, stdio: 'ignore' });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await new Promise((r) => setTimeout(r, 300));
  const cpu = treeCpu(server.child.pid!) - cpuBefore;
  return { perSecond: w.messages / seconds, cpuMs: (cpu * 1000) / w.messages };
}

/** Milliseconds from connect() to the first byte of the greeting. */
function greetingLatency(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const s = connect(port, '127.0.0.1');
    s.once('data', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      s.end('QUIT\r\n');
      s.on('data', () => {});
      s.once('close', () => resolve(ms));
    });
    s.once('error', reject);
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Opens `count` sessions, waits for every greeting, measures the listener's RSS, then QUITs each and counts the 221s. */
async function idleSessions(server: Server, count: number): Promise<{ rssMb: number; goodbyes: number; baseMb: number }> {
  const baseMb = treeRss(server.child.pid!);
  const sockets: Socket[] = [];
  const greeted: Array<Promise<void>> = [];
  for (let i = 0; i < count; i++) {
    const s = connect(server.port, '127.0.0.1');
    s.setNoDelay(true);
    greeted.push(new Promise((r, j) => {
      s.once('data', () => r());
      s.once('error', j);
    }));
    sockets.push(s);
    if (i % 200 === 199) await Promise.all(greeted.slice(i - 199));
  }
  await Promise.all(greeted);
  await new Promise((r) => setTimeout(r, 1000));
  const rssMb = treeRss(server.child.pid!);
  let goodbyes = 0;
  await Promise.all(
    sockets.map(
      (s) =>
        new Promise<void>((r) => {
          let text = '';
          s.on('data', (b: Buffer) => (text += b.toString()));
          s.once('close', () => {
            if (/^221 /m.test(text)) goodbyes++;
            r();
          });
          s.on('error', () => {});
          s.write('QUIT\r\n');
        }),
    ),
  );
  return { rssMb, goodbyes, baseMb };
}

function qmailTree(work: string): string {
  const home = join(work, 'qmail');
  mkdirSync(join(home, 'control'), { recursive: true });
  writeFileSync(join(home, 'control/rcpthosts'), 'example.org\n');
  writeFileSync(join(home, 'control/me'), 'bench.test\n');
  return home;
}

async function main() {
  const tool = smtpSource();
  const work = mkdtempSync(join(tmpdir(), 'bench-listener-'));
  const home = qmailTree(work);
  const qq = qmailQueueStandIn(work);
  const env: NodeJS.ProcessEnv = { PATH: `${BIN}:/usr/bin:/bin`, QMAILHOME: home, QMAILQUEUE: qq, DATABYTES: '10000000', RBLSMTPD: '' };
  const cEnv: NodeJS.ProcessEnv = { ...env, PATH: '/usr/bin:/bin' };
  const listener = [process.execPath, join(ROOT, 'packages/mailfront-tcpsvd/dist/mailfront-tcpsvd.js'), '-w', String(WORKERS), '-c', '2000', '-b', '2000', '-l', 'bench.test', '127.0.0.1', 'PORT', 'rblsmtpd'];
  const tcpserver = ['tcpserver', '-R', '-H', '-l', 'bench.test', '-c', '100', '-b', '100', '127.0.0.1', 'PORT', '/usr/bin/rblsmtpd', '/usr/sbin/mailfront', 'smtp'];
  const scale = quick ? 0.25 : 1;
  const workloads: Workload[] = [
    { name: '1 KB, one message per connection', size: 1024, messages: Math.round(2000 * scale), perSession: false },
    { name: '1 KB, many messages per session', size: 1024, messages: Math.round(8000 * scale), perSession: true },
    { name: '100 KB, many messages per session', size: 100 * 1024, messages: Math.round(2000 * scale), perSession: true },
  ];
  console.log(`mailfront-tcpsvd benchmark, ${new Date().toISOString()}: node ${process.version}, ${WORKERS} workers, ${availableParallelism()} CPUs, load average at start ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`smtp-source -s 20 on 127.0.0.1; chain: rblsmtpd (RBLSMTPD empty) → SMTP BACKEND ${PLUGINS.join(' ')}; median of ${ROUNDS} interleaved rounds; NODE_EXTRA_CA_CERTS unset`);
  console.log('');
  console.log('| backend | workload | ours msg/s | C msg/s | ratio | ours CPU ms/msg | C CPU ms/msg |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  try {
    for (const backend of ['echo', 'qmail']) {
      const ours = await start('ours', [...listener, 'mailfront-smtpd', backend, ...PLUGINS], env);
      const c = await start('C', [...tcpserver, backend, ...PLUGINS], cEnv);
      try {
        for (const w of workloads) {
          const results: Record<string, Array<{ perSecond: number; cpuMs: number }>> = { ours: [], C: [] };
          for (let round = 0; round < ROUNDS; round++) {
            const order = round % 2 === 0 ? [ours, c] : [c, ours];
            for (const s of order) results[s.name]!.push(await load(s, w, tool));
          }
          const a = { perSecond: median(results.ours!.map((r) => r.perSecond)), cpuMs: median(results.ours!.map((r) => r.cpuMs)) };
          const b = { perSecond: median(results.C!.map((r) => r.perSecond)), cpuMs: median(results.C!.map((r) => r.cpuMs)) };
          const f = (n: number) => n.toFixed(n < 10 ? 2 : 0);
          console.log(`| ${backend} | ${w.name} | ${f(a.perSecond)} | ${f(b.perSecond)} | **${(a.perSecond / b.perSecond).toFixed(2)}×** | ${a.cpuMs.toFixed(2)} | ${b.cpuMs.toFixed(2)} |`);
        }
        if (backend === 'echo') {
          const samples: Record<string, number[]> = { ours: [], C: [] };
          for (let i = 0; i < (quick ? 50 : 200); i++) for (const s of i % 2 === 0 ? [ours, c] : [c, ours]) samples[s.name]!.push(await greetingLatency(s.port));
          const [a, b] = [median(samples.ours!), median(samples.C!)];
          console.log('');
          console.log(`connect → greeting, median of ${samples.ours!.length} sequential connections each: ours ${a.toFixed(2)} ms, C ${b.toFixed(2)} ms, ratio ${(a / b).toFixed(2)} (lower is better)`);
        }
      } finally {
        await stop(ours);
        await stop(c);
      }
    }
    console.log('');
    let fdLimit = 0;
    try {
      fdLimit = Number(execFileSync('/bin/sh', ['-c', 'ulimit -n']).toString().trim());
    } catch {
      // unknown
    }
    for (const count of [1000, 10_000]) {
      // Each session costs a socket in the listener and one in this process.
      if (count + 100 > fdLimit) {
        console.log(`${count} idle sessions: skipped, ulimit -n is ${fdLimit}`);
        continue;
      }
      const ours = await start('ours', [...listener.map((a) => (a === '2000' ? String(count + 10) : a)), 'mailfront-smtpd', 'echo', ...PLUGINS], env);
      try {
        const r = await idleSessions(ours, count);
        console.log(`${count} idle SMTP sessions on one mailfront-tcpsvd (${WORKERS} workers): total RSS ${r.rssMb.toFixed(0)} MB (${r.baseMb.toFixed(0)} MB with none), ${((r.rssMb - r.baseMb) * 1024 / count).toFixed(1)} KB a session; ${r.goodbyes} of ${count} answered QUIT with 221`);
      } finally {
        await stop(ours);
      }
    }
    console.log(`\nload average at the end: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
