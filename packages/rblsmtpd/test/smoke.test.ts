// The bundle in dist/, as runscripts run it: on the Node of the test run
// (which has process.execve: PROGRAM replaces rblsmtpd) and, when present,
// on Node 20 (no execve: PROGRAM is spawned and its status passed on).
import t from 'tap';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { run, untrackedEnv } from '@mailfront/testkit';

const bundle = join(import.meta.dirname, '../dist/rblsmtpd.js');
const node20 = '/usr/bin/node';
const runtimes = [process.execPath, ...(existsSync(node20) ? [node20] : [])];
/** Prints its own pid and the first input line, as an SMTP server would read it. */
const program = ['/bin/sh', '-c', 'read line; echo "pid $$ got $line"; exit 3'];

t.test('--version', async (t) => {
  const r = await run(bundle, ['--version']);
  t.equal(r.status, 0);
  t.equal(r.stdout.toString(), 'rblsmtpd 0.1.0\n');
});

for (const node of runtimes) {
  t.test(`pass-through on ${node}`, async (t) => {
    const r = await run(node, [bundle, '-t', '5', ...program], { input: 'EHLO x\r\n', env: { PATH: '/usr/bin:/bin', RBLSMTPD: '' } });
    t.equal(r.status, 3, 'the program status');
    t.match(r.stdout.toString(), /^pid \d+ got EHLO x\r\n$/, 'the program reads the client untouched');
    t.equal(r.stderr.toString(), '');
  });

  t.test(`refusal on ${node}`, async (t) => {
    const r = await run(node, [bundle, ...program], {
      input: 'HELO x\r\nRCPT TO:<a@b>\r\nQUIT\r\n',
      env: { TCPREMOTEIP: '192.0.2.1', RBLSMTPD: '-spam source' },
    });
    t.equal(r.status, 0);
    t.equal(r.stdout.toString(), '220 rblsmtpd.local\r\n250 rblsmtpd.local\r\n553 spam source\r\n221 rblsmtpd.local\r\n');
    t.match(r.stderr.toString(), /^rblsmtpd: 192\.0\.2\.1 pid \d+: 553 spam source\n$/);
  });
}

/** Runs the bundle with RBLSMTPD empty; returns rblsmtpd's pid and the pid PROGRAM saw for itself. */
function pids(node: string): Promise<{ rblsmtpd: number; program: number; parent: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(node, [bundle, '/bin/sh', '-c', 'echo $$ $PPID'], { env: untrackedEnv({ RBLSMTPD: '' }), stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b));
    child.on('error', reject);
    child.on('close', () => {
      const [program, parent] = out.trim().split(' ').map(Number) as [number, number];
      resolve({ rblsmtpd: child.pid!, program, parent });
    });
  });
}

const hasExecve = typeof (process as { execve?: unknown }).execve === 'function';
/** /usr/bin/node when it is a runtime without process.execve (Debian's Node 20). */
const oldNode = existsSync(node20) && spawnSync(node20, ['-e', 'process.exit(typeof process.execve === "function" ? 1 : 0)']).status === 0;

t.test('with execve, PROGRAM replaces rblsmtpd: one process', { skip: !hasExecve && 'no process.execve' }, async (t) => {
  const p = await pids(process.execPath);
  t.equal(p.program, p.rblsmtpd);
});

t.test('without execve (Node 20), PROGRAM is rblsmtpd\'s child', { skip: !oldNode && 'no /usr/bin/node without execve' }, async (t) => {
  const p = await pids(node20);
  t.not(p.program, p.rblsmtpd);
  t.equal(p.parent, p.rblsmtpd);
});
