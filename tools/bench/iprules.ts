// Benchmark: compile 10^5 rules with iprules-make and with the C tools,
// end to end (one process each, as a runscript runs them), and print the
// ratio. An ipsvd directory of 10^5 entries against ipsvd-cdb, and a
// tcprules file of 10^5 lines against tcprules.
//
// usage: node tools/bench/run-ts.mjs tools/bench/iprules.ts [RULES] [RUNS]
// Needs `npm run build` first (it runs packages/iprules-make/dist/iprules-make.js).
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const RULES = Number(process.argv[2] ?? 100_000);
const RUNS = Number(process.argv[3] ?? 5);
const OURS = resolve('packages/iprules-make/dist/iprules-make.js');

// NODE_EXTRA_CA_CERTS makes every Node start-up read and parse a certificate file; a runscript has no such variable.
const env = { ...process.env };
delete env.NODE_EXTRA_CA_CERTS;

function which(tool: string): string | undefined {
  const r = spawnSync('/bin/sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** Median wall time in ms of `runs` runs (after one warm-up). */
function time(file: string, args: string[], input?: string): number {
  const once = () => {
    const started = process.hrtime.bigint();
    const r = spawnSync(file, args, { env, input, stdio: [input === undefined ? 'ignore' : 'pipe', 'ignore', 'pipe'] });
    if (r.status !== 0) throw new Error(`${file} ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
    return Number(process.hrtime.bigint() - started) / 1e6;
  };
  once();
  const times = Array.from({ length: RUNS }, once).sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

function ipOf(i: number): string {
  return `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
}

if (!existsSync(OURS)) throw new Error(`${OURS} is missing: run npm run build first`);
const dir = mkdtempSync(join(tmpdir(), 'iprules-bench-'));
try {
  const rules = join(dir, 'iprules');
  mkdirSync(rules);
  const lines: string[] = [];
  for (let i = 0; i < RULES; i++) {
    const file = join(rules, ipOf(i));
    if (i % 10 === 0) {
      writeFileSync(file, '');
      chmodSync(file, 0);
    } else {
      writeFileSync(file, `+RELAYCLIENT=\n+SMTPAUTH=${i}\n`);
    }
    lines.push(i % 10 === 0 ? `${ipOf(i)}:deny` : `${ipOf(i)}:allow,RELAYCLIENT="",SMTPAUTH="${i}"`);
  }
  const text = lines.join('\n') + '\n';
  writeFileSync(join(dir, 'tcp'), text);

  console.log(`iprules benchmark: ${RULES} rules, median of ${RUNS} runs, whole processes (start-up included)`);
  console.log('NODE_EXTRA_CA_CERTS is unset for every process started here, as in a runscript.');
  const report = (name: string, ours: number, theirs: number | undefined) => {
    const c = theirs === undefined ? 'not installed' : `${theirs.toFixed(1)} ms`;
    const ratio = theirs === undefined ? '' : `  ratio ours/C = ${(ours / theirs).toFixed(2)}`;
    console.log(`${name.padEnd(24)} ours ${ours.toFixed(1)} ms   C ${c}${ratio}`);
  };
  const ipsvdCdb = which('ipsvd-cdb');
  report(
    'ipsvd dir vs ipsvd-cdb',
    time(OURS, ['-f', 'ipsvd', rules, join(dir, 'ours.cdb')]),
    ipsvdCdb ? time(ipsvdCdb, [join(dir, 'theirs.cdb'), join(dir, 'theirs.tmp'), rules]) : undefined,
  );
  const tcprules = which('tcprules');
  report(
    'tcprules file vs tcprules',
    time(OURS, [join(dir, 'tcp'), join(dir, 'tcp-ours.cdb')]),
    tcprules ? time(tcprules, [join(dir, 'tcp-theirs.cdb'), join(dir, 'tcp-theirs.tmp')], text) : undefined,
  );
  const floor = time(process.execPath, ['-e', '0']);
  console.log(`(node -e 0 takes ${floor.toFixed(1)} ms on this machine: the start-up part of ours)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
