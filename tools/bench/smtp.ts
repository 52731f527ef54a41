/**
 * SMTP in exec mode: our chain and the C chain under the real tcpserver, the
 * way a qmail MX runs them (a fork and exec per connection), in the same run,
 * interleaved round by round, as ratios ours/C (issue 14's exec-mode target):
 *
 *   ours: tcpserver … rblsmtpd mailfront-smtpd BACKEND PLUGINS                (Node)
 *   C:    tcpserver … /usr/bin/rblsmtpd /usr/sbin/mailfront smtp BACKEND PLUGINS
 *
 * with the plugins listener.ts uses (check-fqdn counters relayclient
 * qmail-validate add-received accept-sender), RBLSMTPD empty (no DNS), the
 * echo backend, then the qmail backend with one qmail-queue stand-in written
 * in C for both sides. Postfix's smtp-source is the load, 20 sessions at once
 * (`apt-get download postfix` + `dpkg -x` into tools/bench/.cache, never
 * installed). CPU is the server tree's (tcpserver and everything under it),
 * per message.
 *
 *   node_modules/.bin/node tools/bench/run-ts.mjs tools/bench/smtp.ts [--quick] [--rounds N] [--only 1kb-session]
 *
 * Target: 1 KB, many messages per session, at least 0.5× the C chain. Every
 * figure is the median of the rounds; NODE_EXTRA_CA_CERTS is unset for the
 * servers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanEnv, fixed, loadLine, numberOption, repositoryRoot } from './lib/stats.js';
import { interleaved, qmailQueueStandIn, qmailTree, smtpSource, start, stop, type Workload } from './lib/smtp-tools.js';

const ROOT = repositoryRoot();
const BIN = join(ROOT, 'node_modules/.bin');
const quick = process.argv.includes('--quick');
const ROUNDS = numberOption('rounds', quick ? 1 : 3);
const SESSIONS = 20;
const PLUGINS = ['check-fqdn', 'counters', 'relayclient', 'qmail-validate', 'add-received', 'accept-sender'];
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;

const scale = quick ? 0.25 : 1;
const workloads: Array<Workload & { key: string }> = [
  { key: '1kb-session', name: '1 KB, many messages per session', size: 1024, messages: Math.round(4000 * scale), perSession: true },
  { key: '100kb-session', name: '100 KB, many messages per session', size: 100 * 1024, messages: Math.round(1000 * scale), perSession: true },
  { key: '1kb-connection', name: '1 KB, one message per connection', size: 1024, messages: Math.round(200 * scale), perSession: false },
].filter((w) => only === undefined || w.key === only);

const tool = smtpSource();
const work = mkdtempSync(join(tmpdir(), 'bench-smtp-'));
const base = { QMAILHOME: qmailTree(work), QMAILQUEUE: qmailQueueStandIn(work), DATABYTES: '10000000', RBLSMTPD: '' };
// Ours are the installed programs (#!/usr/bin/env node finds the project's Node first on PATH).
const oursEnv = cleanEnv({ ...base, PATH: `${BIN}:/usr/bin:/bin` });
const cEnv = cleanEnv({ ...base, PATH: '/usr/bin:/bin' });
const tcpserver = ['tcpserver', '-R', '-H', '-l', 'bench.test', '-c', '100', '-b', '100', '127.0.0.1', 'PORT'];

console.log(`SMTP in exec mode under tcpserver, ${new Date().toISOString()}: smtp-source -s ${SESSIONS} on 127.0.0.1; node ${process.version} for ours`);
console.log(`chain: rblsmtpd (RBLSMTPD empty) → SMTP BACKEND ${PLUGINS.join(' ')}; median of ${ROUNDS} interleaved rounds; NODE_EXTRA_CA_CERTS unset; ${loadLine()}`);
console.log('');
console.log('| backend | workload | ours msg/s | C msg/s | ratio | ours CPU ms/msg | C CPU ms/msg | CPU ratio |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
try {
  for (const backend of ['echo', 'qmail']) {
    const ours = await start('ours', [...tcpserver, 'rblsmtpd', 'mailfront-smtpd', backend, ...PLUGINS], oursEnv);
    const c = await start('C', [...tcpserver, '/usr/bin/rblsmtpd', '/usr/sbin/mailfront', 'smtp', backend, ...PLUGINS], cEnv);
    try {
      for (const w of workloads) {
        const r = await interleaved([ours, c], w, tool, ROUNDS, SESSIONS);
        const [a, b] = [r.get('ours')!, r.get('C')!];
        console.log(
          `| ${backend} | ${w.name} | ${fixed(a.perSecond)} | ${fixed(b.perSecond)} | **${(a.perSecond / b.perSecond).toFixed(2)}×** | ${a.cpuMs.toFixed(2)} | ${b.cpuMs.toFixed(2)} | ${(a.cpuMs / b.cpuMs).toFixed(2)} |`,
        );
      }
    } finally {
      await stop(ours);
      await stop(c);
    }
  }
  console.log('');
  console.log(`at the end: ${loadLine()}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
