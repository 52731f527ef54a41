// A Maildir of 10,000 messages (100 MB) is listed and downloaded whole
// through the bundle, and the server's peak memory (VmHWM, read while it
// waits for QUIT) stays far below the size of the mailbox: messages are
// streamed, never loaded.
import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scratchDir, untrackedEnv } from '@mailfront/testkit';

const COUNT = 10_000;
const SIZE = 10_000;
const bundle = join(import.meta.dirname, '../dist/mailfront-pop3d.js');

function peakRssKb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]);
}

t.test('10,000 messages: LIST, UIDL and RETR of every one in bounded memory', { skip: process.platform !== 'linux' && 'needs /proc' }, async (t) => {
  const dir = join(scratchDir(t, 'pop3-big-'), 'Maildir');
  for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(dir, sub), { recursive: true });
  const body = Buffer.alloc(SIZE - 40, 'x');
  for (let i = 1; i <= COUNT; i++) {
    const message = Buffer.concat([Buffer.from(`Subject: message ${String(i).padStart(6, '0')}\n\n`), body.subarray(0, SIZE - 26 - 2), Buffer.from('\n')]);
    // Half the names carry their size, half are stat'ed.
    writeFileSync(join(dir, i % 2 ? 'new' : 'cur', i % 2 ? `${1_600_000_000 + i}.${i}.host` : `${1_600_000_000 + i}.${i}.host,S=${message.length}:2,`), message);
  }
  const child = spawn(process.execPath, [bundle, 'maildir', dir], { env: untrackedEnv({ PATH: process.env.PATH }), stdio: ['pipe', 'pipe', 'ignore'] });
  let received = 0;
  let tail = '';
  let ends = 0;
  let waiting: (() => void) | undefined;
  child.stdout.on('data', (chunk: Buffer) => {
    received += chunk.length;
    const text = tail + chunk.toString('latin1');
    ends += text.split('\r\n.\r\n').length - 1;
    tail = text.slice(-4);
    waiting?.();
  });
  const until = async (n: number) => {
    while (ends < n) await new Promise<void>((r) => (waiting = r));
  };
  child.stdin.write('LIST\r\nUIDL\r\n');
  await until(2);
  const listed = peakRssKb(child.pid!);
  let commands = '';
  for (let i = 1; i <= COUNT; i++) commands += `RETR ${i}\r\n`;
  child.stdin.write(commands);
  await until(2 + COUNT);
  t.ok(received > COUNT * SIZE, `${received} bytes received`);
  const peak = peakRssKb(child.pid!);
  // What RETR added on top of the scanned mailbox: a fraction of the mailbox's size.
  const added = peak - listed;
  t.ok(added < 40_000, `peak memory ${Math.round(listed / 1024)} MB after LIST, ${Math.round(peak / 1024)} MB after downloading ${Math.round((COUNT * SIZE) / 1e6)} MB`);
  child.stdin.end('QUIT\r\n');
  const status = await new Promise((r) => child.on('exit', r));
  t.equal(status, 0);
});
