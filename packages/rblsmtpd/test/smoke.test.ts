// The bundle in dist/, as runscripts run it, on every supported Node line
// the machine has (PROGRAM replaces rblsmtpd through process.execve), and
// its clear refusal on a Node below the floor.
import t from 'tap';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { run, supportedRuntimes, tooOldRuntime, untrackedEnv } from '@mailfront/testkit';

const bundle = join(import.meta.dirname, '../dist/rblsmtpd.js');
const runtimes = supportedRuntimes();
/** Prints its own pid and the first input line, as an SMTP server would read it. */
const program = ['/bin/sh', '-c', 'read line; echo "pid $$ got $line"; exit 3'];

t.test('--version', async (t) => {
  const r = await run(bundle, ['--version']);
  t.equal(r.status, 0);
  t.equal(r.stdout.toString(), 'rblsmtpd 0.1.0\n');
});

for (const { path: node, version } of runtimes) {
  t.test(`pass-through on Node ${version}`, async (t) => {
    const r = await run(node, [bundle, '-t', '5', ...program], { input: 'EHLO x\r\n', env: { PATH: '/usr/bin:/bin', RBLSMTPD: '' } });
    t.equal(r.status, 3, 'the program status');
    t.match(r.stdout.toString(), /^pid \d+ got EHLO x\r\n$/, 'the program reads the client untouched');
    t.equal(r.stderr.toString(), '');
  });

  t.test(`refusal on Node ${version}`, async (t) => {
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

for (const { path: node, version } of runtimes) {
  t.test(`Node ${version}: PROGRAM replaces rblsmtpd, one process`, async (t) => {
    const p = await pids(node);
    t.equal(p.program, p.rblsmtpd);
  });

  // 22.x and 24.x abort (134) when execve fails: the target is checked first.
  t.test(`Node ${version}: a PROGRAM that cannot run is a clear error and 111`, async (t) => {
    const r = await run(node, [bundle, '/nonexistent/mailfront-smtpd'], { input: 'EHLO x\r\n', env: { RBLSMTPD: '' } });
    t.equal(r.status, 111);
    t.equal(r.stderr.toString(), 'rblsmtpd: fatal: unable to run /nonexistent/mailfront-smtpd: file does not exist\n');
    t.equal(r.stdout.toString(), '');
  });
}

const old = tooOldRuntime();
t.test('a Node below the floor is refused clearly, exit 111', { skip: !old && 'no Node below the floor on this machine' }, async (t) => {
  const r = await run(old!.path, [bundle, '/bin/true'], { env: { RBLSMTPD: '' } });
  t.equal(r.status, 111);
  t.match(r.stderr.toString(), new RegExp(`^rblsmtpd\\[\\d+\\]: Fatal: Node\\.js v${old!.version.replace(/\./g, '\\.')} is too old; rblsmtpd needs Node\\.js 22\\.19 or later\n$`));
});
