// `npm start` stops cleanly whichever way it is told to: SIGINT or SIGTERM
// sent to npm's pid (a process manager, `kill`), or SIGINT to the whole
// process group (Ctrl-C in a terminal, where the start script gets the
// signal twice: from the terminal and from npm). Each time npm exits, the
// services are gone (nothing listens on the port) and the working files are
// removed. SIGINT sent to the start script itself is mx.test's last step.
import t from 'tap';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, LineClient, requireOracles, scratchDir, untrackedEnv } from '@mailfront/testkit';
import { ROOT } from '../helpers/paths.js';

const READY = 'Ctrl-C stops it.';

/** npm itself: the one running the tests when there is one (npm test), else npm from PATH. */
function npm(): [string, string[]] {
  const cli = process.env.npm_execpath;
  return cli && /\.c?js$/.test(cli) ? [process.execPath, [cli]] : ['npm', []];
}

async function startAndStop(queue: string, stop: (npmPid: number) => void) {
  const port = await freePort();
  const [file, pre] = npm();
  // A process group of its own, as a terminal gives a foreground job.
  const child = spawn(file, [...pre, 'start', '--', '--no-build', '--port', String(port), '--queue', queue], {
    cwd: ROOT,
    env: untrackedEnv(process.env),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  let wake = () => {};
  const onData = (b: Buffer) => {
    output += b.toString();
    wake();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  let done = false;
  void closed.then(() => {
    done = true;
    wake();
  });
  while (!output.includes(READY) && !done) await new Promise<void>((resolve) => (wake = resolve));
  if (!output.includes(READY)) throw new Error(`npm start did not start:\n${output}`);
  const workDir = /Working files, removed when it stops: (\S+)/.exec(output)?.[1] ?? '';
  stop(child.pid!);
  const status = await closed;
  const listening = await LineClient.connect(port).then(
    (c) => (c.close(), true),
    () => false,
  );
  return { status, output, workDir, listening };
}

const cases: Array<[string, (pid: number) => void]> = [
  ['SIGINT to npm', (pid) => process.kill(pid, 'SIGINT')],
  ['SIGTERM to npm', (pid) => process.kill(pid, 'SIGTERM')],
  ['SIGINT to the process group (Ctrl-C)', (pid) => process.kill(-pid, 'SIGINT')],
];

for (const [name, stop] of cases) {
  t.test(`npm start: ${name}`, async (t) => {
    if (!requireOracles(t, ['chpst'])) return;
    const r = await startAndStop(join(scratchDir(t), 'queue'), stop);
    t.equal(r.status, 0, 'npm exits 0');
    t.ok(r.workDir !== '' && !existsSync(r.workDir), 'working files removed');
    t.match(r.output, `Stopped; sockets and ${r.workDir} removed.`);
    t.match(r.output, /mailfront-tcpsvd: info: sigterm received/, 'the SMTP service was stopped, not killed');
    t.match(r.output, /cvm-qmail\[\d+\]: Stopping\./, 'the validator too');
    t.notOk(r.listening, 'nothing listens on the port any more');
  });
}
