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
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanEnv, fixed, loadLine, median, numberOption, repositoryRoot } from './lib/stats.js';
import { treeRss } from './lib/proc.js';
import { interleaved, qmailQueueStandIn, qmailTree, smtpSource, start, stop, type Server, type Workload } from './lib/smtp-tools.js';

const ROOT = repositoryRoot();
const BIN = join(ROOT, 'node_modules/.bin');
const quick = process.argv.includes('--quick');
const ROUNDS = numberOption('rounds', quick ? 1 : 3);
const WORKERS = numberOption('workers', availableParallelism());
const PLUGINS = ['check-fqdn', 'counters', 'relayclient', 'qmail-validate', 'add-received', 'accept-sender'];

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

async function main() {
  const tool = smtpSource();
  const work = mkdtempSync(join(tmpdir(), 'bench-listener-'));
  const home = qmailTree(work);
  const qq = qmailQueueStandIn(work);
  const env = cleanEnv({ PATH: `${BIN}:/usr/bin:/bin`, QMAILHOME: home, QMAILQUEUE: qq, DATABYTES: '10000000', RBLSMTPD: '' });
  const cEnv = { ...env, PATH: '/usr/bin:/bin' };
  const listener = [process.execPath, join(ROOT, 'packages/mailfront-tcpsvd/dist/mailfront-tcpsvd.js'), '-w', String(WORKERS), '-c', '2000', '-b', '2000', '-l', 'bench.test', '127.0.0.1', 'PORT', 'rblsmtpd'];
  const tcpserver = ['tcpserver', '-R', '-H', '-l', 'bench.test', '-c', '100', '-b', '100', '127.0.0.1', 'PORT', '/usr/bin/rblsmtpd', '/usr/sbin/mailfront', 'smtp'];
  const scale = quick ? 0.25 : 1;
  const workloads: Workload[] = [
    { name: '1 KB, one message per connection', size: 1024, messages: Math.round(2000 * scale), perSession: false },
    { name: '1 KB, many messages per session', size: 1024, messages: Math.round(8000 * scale), perSession: true },
    { name: '100 KB, many messages per session', size: 100 * 1024, messages: Math.round(2000 * scale), perSession: true },
  ];
  console.log(`mailfront-tcpsvd benchmark, ${new Date().toISOString()}: node ${process.version}, ${WORKERS} workers; at the start: ${loadLine()}`);
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
          const r = await interleaved([ours, c], w, tool, ROUNDS);
          const [a, b] = [r.get('ours')!, r.get('C')!];
          console.log(`| ${backend} | ${w.name} | ${fixed(a.perSecond)} | ${fixed(b.perSecond)} | **${(a.perSecond / b.perSecond).toFixed(2)}×** | ${a.cpuMs.toFixed(2)} | ${b.cpuMs.toFixed(2)} |`);
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
    console.log(`\nat the end: ${loadLine()}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
