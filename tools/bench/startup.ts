/**
 * Start-up: a program started per connection pays its start before every
 * session. Measured as tcpserver runs it (stdin and stdout one end of a
 * loopback TCP connection; lib/runstat.c), from fork to the first byte of
 * the greeting, against bare `node -e 0` (fork to exit) on the same Node,
 * and the C mailfront for scale, interleaved run by run, medians.
 *
 *   node_modules/.bin/node tools/bench/run-ts.mjs tools/bench/startup.ts [--runs N]
 *
 * - mailfront-smtpd with its compile cache warm (the usual case: the first
 *   start of a new version fills it) and with MAILFRONT_COMPILE_CACHE=off;
 * - rblsmtpd (RBLSMTPD empty) exec'ing mailfront-smtpd: the chain's cost;
 * - CPU is the program's own (user + system, from wait4), to the end of the
 *   session (the greeting, then QUIT).
 * NODE_EXTRA_CA_CERTS is unset for every program started here.
 */
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanEnv, fixed, loadLine, median, numberOption, repositoryRoot } from './lib/stats.js';
import { runstat, runstatTool, type RunStat } from './lib/runstat.js';

const ROOT = repositoryRoot();
const RUNS = numberOption('runs', 40);
const NODE = join(ROOT, 'node_modules/.bin/node');
const bundle = (name: string) => join(ROOT, 'packages', name, 'dist', `${name}.js`);
const CHAIN = ['qmail', 'check-fqdn', 'counters', 'add-received', 'accept'];

const work = mkdtempSync(join(tmpdir(), 'bench-startup-'));
mkdirSync(join(work, 'qmail/control'), { recursive: true });
const cache = join(work, 'compile-cache');
const env = cleanEnv({ QMAILHOME: join(work, 'qmail'), TCPLOCALHOST: 'mx.test', TCPREMOTEIP: '127.0.0.1', MAILFRONT_COMPILE_CACHE: cache, RBLSMTPD: '' });
const tool = runstatTool(ROOT);

interface Case {
  name: string;
  argv: string[];
  env: NodeJS.ProcessEnv;
  /** Its figure is the time to exit (bare Node), not to the greeting. */
  toExit?: boolean;
}
const cases: Case[] = [
  { name: 'node -e 0 (start to exit)', argv: [NODE, '-e', '0'], env, toExit: true },
  { name: 'mailfront-smtpd, compile cache warm', argv: [NODE, bundle('mailfront-smtpd'), ...CHAIN], env },
  { name: 'mailfront-smtpd, MAILFRONT_COMPILE_CACHE=off', argv: [NODE, bundle('mailfront-smtpd'), ...CHAIN], env: { ...env, MAILFRONT_COMPILE_CACHE: 'off' } },
  { name: 'rblsmtpd exec mailfront-smtpd, cache warm', argv: [NODE, bundle('rblsmtpd'), NODE, bundle('mailfront-smtpd'), ...CHAIN], env },
  { name: 'C mailfront smtp (Debian)', argv: ['/usr/sbin/mailfront', 'smtp', ...CHAIN], env },
];

try {
  // Warm-up: fills the compile cache and the page cache.
  for (const c of cases) for (let i = 0; i < 3; i++) runstat(tool, c.argv, c.env);
  const results = cases.map(() => [] as RunStat[]);
  for (let run = 0; run < RUNS; run++) {
    for (let k = 0; k < cases.length; k++) {
      const i = (run + k) % cases.length;
      results[i]!.push(runstat(tool, cases[i]!.argv, cases[i]!.env));
    }
  }
  const figure = (c: Case, r: RunStat[]) => median(r.map((s) => (c.toExit ? s.wallMs : s.firstByteMs)));
  const bare = figure(cases[0]!, results[0]!);
  console.log(`Start-up under a TCP connection, ${RUNS} interleaved runs each, medians; NODE_EXTRA_CA_CERTS unset`);
  console.log(`node ${process.version} (${NODE}), ${loadLine()}`);
  console.log('');
  console.log('| program | start → greeting ms | ratio to node -e 0 | CPU ms | max RSS MB |');
  console.log('| --- | --- | --- | --- | --- |');
  cases.forEach((c, i) => {
    const r = results[i]!;
    const failed = r.filter((s) => s.status !== 0 || (!c.toExit && Number.isNaN(s.firstByteMs))).length;
    const note = failed > 0 ? ` (${failed} runs failed)` : '';
    console.log(`| ${c.name}${note} | ${fixed(figure(c, r))} | ${(figure(c, r) / bare).toFixed(2)} | ${fixed(median(r.map((s) => s.cpuMs)))} | ${fixed(median(r.map((s) => s.maxRssKb)) / 1024)} |`);
  });
  console.log('');
  console.log(loadLine());
} finally {
  rmSync(work, { recursive: true, force: true });
}
