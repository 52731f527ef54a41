/**
 * The CPU an in-process SMTP session costs per message, without the kernel:
 * the chain mailfront-tcpsvd runs per connection (rblsmtpd → mailfront-smtpd
 * → the seed's plugins → the echo backend), driven through in-memory stream
 * pairs by a client that behaves as smtp-source does (HELO, then MAIL, RCPT,
 * DATA, the message, each waiting for its reply; QUIT at the end).
 *
 * It isolates the JavaScript path of a session (commands, replies, plugins,
 * logging) from the loopback TCP stack and the scheduler, whose share the
 * listener benchmark (listener.ts) includes. The figure to compare is
 * µs of CPU per message, before and after a change, in the same run; use
 * --cpu-prof on it for a profile of the hot path alone.
 *
 *   node tools/bench/run-ts.mjs tools/bench/session-cpu.ts [--sessions 20] [--messages 400] [--size 1024] [--rounds 5]
 */
import { openSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { duplexPair, type Duplex } from 'node:stream';
import { promiseHooks } from 'node:v8';
import { LogStream, type Env, type Io, type ListenSession } from '@mailfront/core';
import { main as smtpd } from '@mailfront/mailfront-smtpd/main';
import { main as rblsmtpd } from '@mailfront/rblsmtpd/main';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
};
const SESSIONS = arg('--sessions', 20);
const MESSAGES = arg('--messages', 400);
const SIZE = arg('--size', 1024);
const ROUNDS = arg('--rounds', 5);
const PLUGINS = ['check-fqdn', 'counters', 'relayclient', 'qmail-validate', 'add-received', 'accept-sender'];

/** smtp-source's message: a few headers and lines of text up to SIZE bytes. */
function message(size: number): Buffer {
  let text = 'From: <bench@sender.test>\r\nTo: <user@example.org>\r\nSubject: benchmark\r\n\r\n';
  const line = 'La de da de da 1.\r\n';
  while (text.length + line.length <= size) text += line;
  return Buffer.from(text + '.\r\n', 'latin1');
}

/** One client on its side of a stream pair: returns when it has sent `messages` and QUIT was answered. */
function client(side: Duplex, messages: number, body: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const steps = ['HELO bench.test\r\n'];
    for (let i = 0; i < messages; i++) steps.push('MAIL FROM:<bench@sender.test>\r\n', 'RCPT TO:<user@example.org>\r\n', 'DATA\r\n', '');
    steps.push('QUIT\r\n');
    let step = -1;
    let pending = '';
    side.on('data', (chunk: Buffer) => {
      pending += chunk.toString('latin1');
      // A reply is complete at a line whose code is followed by a space.
      for (let end; (end = pending.indexOf('\r\n')) !== -1; ) {
        const line = pending.slice(0, end);
        pending = pending.slice(end + 2);
        if (line[3] === '-') continue;
        if (line[0] !== '2' && line[0] !== '3') return reject(new Error(`unexpected reply: ${line}`));
        step++;
        if (step === steps.length) continue;
        const next = steps[step]!;
        side.write(next === '' ? body : next);
      }
    });
    side.on('end', () => (step >= steps.length - 1 ? resolve() : reject(new Error(`session ended after step ${step}`))));
    side.on('error', reject);
  });
}

async function round(env: Env, log: LogStream, body: Buffer, firstId: number): Promise<{ cpuUs: number; wallMs: number }> {
  const sessions: Array<Promise<unknown>> = [];
  const windDown = new AbortController().signal;
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < SESSIONS; i++) {
    const [server, peer] = duplexPair();
    const session: ListenSession = {
      id: firstId + i,
      windDown,
      count: () => {},
      observe: () => {},
      limit: () => undefined,
      runNext: (argv, nextEnv) => smtpd(argv.slice(1) as string[], nextEnv, io),
    };
    const io: Io = { stdin: server, stdout: server, stderr: log, session };
    const done = rblsmtpd(['mailfront-smtpd', 'echo', ...PLUGINS], { ...env }, io).then(() => server.end());
    sessions.push(client(peer, MESSAGES, body), done);
  }
  await Promise.all(sessions);
  const used = process.cpuUsage(cpu);
  return { cpuUs: used.user + used.system, wallMs: performance.now() - started };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function run() {
  const work = mkdtempSync(join(tmpdir(), 'bench-session-'));
  try {
    const home = join(work, 'qmail');
    mkdirSync(join(home, 'control'), { recursive: true });
    writeFileSync(join(home, 'control/rcpthosts'), 'example.org\n');
    writeFileSync(join(home, 'control/me'), 'bench.test\n');
    const env: Env = {
      PATH: '/usr/bin:/bin',
      QMAILHOME: home,
      DATABYTES: '10000000',
      RBLSMTPD: '',
      PROTO: 'TCP',
      TCPLOCALIP: '127.0.0.1',
      TCPLOCALPORT: '25',
      TCPLOCALHOST: 'bench.test',
      TCPREMOTEIP: '127.0.0.1',
      TCPREMOTEPORT: '40000',
    };
    // The log goes where the listener's would, through the same buffered stream, to /dev/null.
    const log = new LogStream(openSync('/dev/null', 'w'));
    const body = message(SIZE);
    console.log(`in-process SMTP session CPU, node ${process.version}, ${SESSIONS} sessions × ${MESSAGES} messages of ${SIZE} bytes, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    // The first round warms the JIT up and is not counted.
    await round(env, log, body, 1);
    if (process.argv.includes('--count-promises')) {
      let promises = 0;
      const sites = new Map<string, number>();
      const stop = promiseHooks.onInit(() => {
        promises++;
        if (process.argv.includes('--sites')) {
          const frames = (new Error().stack ?? '').split('\n').slice(2, 5).map((f) => f.trim().replace(/^at /, '').replace(/\(.*\/([^/]+)\)/, '($1)'));
          const key = frames.join(' < ');
          sites.set(key, (sites.get(key) ?? 0) + 1);
        }
      });
      await round(env, log, body, 1_000_000);
      stop();
      console.log(`${(promises / (SESSIONS * MESSAGES)).toFixed(1)} promises a message`);
      for (const [site, n] of [...sites].sort((a, b) => b[1] - a[1]).slice(0, 60)) console.log(`${(n / (SESSIONS * MESSAGES)).toFixed(2).padStart(6)} ${site}`);
    }
    const perMessage: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const { cpuUs, wallMs } = await round(env, log, body, (r + 1) * SESSIONS + 1);
      const us = cpuUs / (SESSIONS * MESSAGES);
      perMessage.push(us);
      console.log(`round ${r + 1}: ${us.toFixed(1)} µs CPU a message, ${((SESSIONS * MESSAGES) / (wallMs / 1000)).toFixed(0)} messages/s`);
    }
    await log.flush();
    console.log(`median: ${median(perMessage).toFixed(1)} µs CPU a message`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await run();
