import t from 'tap';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { scratchDir } from '@mailfront/testkit';
import { LogStream, PIPE_BUF } from '../src/log-stream.js';

type WriteCallback = (error: NodeJS.ErrnoException | null, written: number) => void;

/** A stand-in for fs.write that records each write and answers as told. */
function fakeWrite(answer: (data: Buffer, call: number) => { error?: string; written?: number } = () => ({})) {
  const writes: Buffer[] = [];
  const write = (_fd: number, buffer: Buffer, offset: number, length: number, _position: null, callback: WriteCallback) => {
    const data = Buffer.from(buffer.subarray(offset, offset + length));
    const a = answer(data, writes.length);
    writes.push(data);
    setImmediate(() => callback(a.error ? Object.assign(new Error(a.error), { code: a.error }) : null, a.error ? 0 : (a.written ?? length)));
  };
  return { write: write as never, writes };
}

const line = (n: number, size = 20) => `line ${String(n).padStart(4, '0')} `.padEnd(size - 1, 'x') + '\n';

t.test('lines of one turn leave in one write, in order; callbacks after', async (t) => {
  const fake = fakeWrite();
  const log = new LogStream(9, fake.write);
  const done: number[] = [];
  log.write(line(1), () => done.push(1));
  log.write(line(2));
  log.write(Buffer.from(line(3)), () => done.push(3));
  t.same(fake.writes, [], 'nothing written synchronously');
  await log.flush();
  t.same(fake.writes.map(String), [line(1) + line(2) + line(3)]);
  t.same(done, [1, 3]);
  t.equal(log.pendingBytes, 0);
});

t.test('each write is whole lines of at most PIPE_BUF bytes; a longer line goes alone', async (t) => {
  const fake = fakeWrite();
  const log = new LogStream(9, fake.write);
  log.write(line(1, 2000));
  log.write(line(2, 2000));
  log.write(line(3, 2000));
  log.write(line(4, 5000));
  log.write(line(5, 12));
  await log.flush();
  t.same(fake.writes.map((w) => w.length), [4000, 2000, 5000, 12]);
  t.ok(fake.writes.every((w) => w.length <= PIPE_BUF || w.toString().indexOf('\n') === w.length - 1));
});

t.test('lines written while a write is in flight go together in the next', async (t) => {
  const fake = fakeWrite();
  const log = new LogStream(9, fake.write);
  log.write(line(1));
  await new Promise((resolve) => setImmediate(resolve));
  t.equal(fake.writes.length, 1, 'the first write is in flight');
  log.write(line(2));
  log.write(line(3));
  await log.flush();
  t.same(fake.writes.map(String), [line(1), line(2) + line(3)]);
});

t.test('cork holds the queue until uncorked; flush lifts every cork', async (t) => {
  const fake = fakeWrite();
  const log = new LogStream(9, fake.write);
  log.cork();
  log.cork();
  log.write(line(1));
  await new Promise((resolve) => setTimeout(resolve, 5));
  t.equal(fake.writes.length, 0);
  log.uncork();
  await new Promise((resolve) => setTimeout(resolve, 5));
  t.equal(fake.writes.length, 0, 'still corked once');
  log.uncork();
  log.uncork();
  await new Promise((resolve) => setTimeout(resolve, 5));
  t.equal(fake.writes.length, 1);
  log.cork();
  log.write(line(2));
  await log.flush();
  t.equal(fake.writes.length, 2);
});

t.test('a short write is continued; EAGAIN is tried again; a failing fd drops lines but never hangs', async (t) => {
  const partial = fakeWrite((_d, call) => (call === 0 ? { written: 5 } : call === 1 ? { error: 'EAGAIN' } : {}));
  const log = new LogStream(9, partial.write);
  log.write(line(1));
  await log.flush();
  t.same(partial.writes.map(String), [line(1), line(1).slice(5), line(1).slice(5)]);
  t.equal(log.lostBytes, 0);

  const broken = fakeWrite(() => ({ error: 'EPIPE' }));
  const dead = new LogStream(9, broken.write);
  let called = false;
  dead.write(line(1), () => (called = true));
  dead.write(line(2));
  await dead.flush();
  t.ok(called, 'the callback still runs');
  t.equal(dead.lostBytes, 40);
  t.equal(dead.write('x'), true, 'never backpressure, never an error event');
});

t.test('end() flushes and calls back', async (t) => {
  const fake = fakeWrite();
  const log = new LogStream(9, fake.write);
  await new Promise<void>((resolve) => log.end(line(1), () => resolve()));
  t.same(fake.writes.map(String), [line(1)]);
  await new Promise<void>((resolve) => log.end(() => resolve()));
});

t.test('flushSync writes what is queued at once, to the real descriptor', async (t) => {
  const dir = scratchDir(t);
  const file = join(dir, 'log');
  writeFileSync(file, '');
  const { openSync, closeSync } = await import('node:fs');
  const fd = openSync(file, 'a');
  const log = new LogStream(fd);
  log.cork();
  log.write(line(1));
  log.write(line(2));
  log.flushSync();
  t.equal(readFileSync(file, 'utf8'), line(1) + line(2));
  t.equal(log.pendingBytes, 0);
  log.uncork();
  await log.flush();
  const bad = new LogStream(-1);
  bad.write(line(3));
  bad.flushSync();
  t.equal(bad.lostBytes, 20, 'a bad descriptor loses the lines, it does not throw');
  closeSync(fd);
});

t.test('processes sharing one pipe: no line is lost or cut by another process\'s', async (t) => {
  const dir = scratchDir(t);
  const writer = join(dir, 'writer.mjs');
  await build({
    stdin: {
      contents: `import { LogStream } from ${JSON.stringify(join(import.meta.dirname, '../src/log-stream.ts'))};
        const id = process.argv[2];
        const log = new LogStream(2);
        let n = 0;
        const burst = () => {
          for (let i = 0; i < 50; i++, n++) log.write(\`writer \${id} line \${n} \${'x'.repeat((n * 37) % 900)} end\\n\`);
          if (n < 2000) setImmediate(burst); else log.flush();
        };
        burst();`,
      resolveDir: dir,
      loader: 'ts',
    },
    outfile: writer,
    bundle: true,
    platform: 'node',
    format: 'esm',
    logLevel: 'warning',
  });
  // One pipe for the stderr of all four writers, as tcpsvd's children share
  // svlogd's, and a reader that falls behind (so writers block halfway).
  const script = `(for i in 1 2 3 4; do "$0" "$1" $i & done; wait) 2>&1 >/dev/null | (sleep 0.2; dd bs=512 2>/dev/null) >&2`;
  const reader = spawn('/bin/sh', ['-c', script, process.execPath, writer], { stdio: ['ignore', 'ignore', 'pipe'] });
  const chunks: Buffer[] = [];
  reader.stderr.on('data', (b: Buffer) => chunks.push(b));
  await new Promise((resolve) => reader.on('close', resolve));
  const lines = Buffer.concat(chunks).toString().split('\n').slice(0, -1);
  t.equal(lines.length, 8000, 'every line arrived');
  const bad = lines.filter((l) => !/^writer [1-4] line (\d+) x* end$/.test(l) || l.length !== `writer 1 line ${l.split(' ')[3]} `.length + ((Number(l.split(' ')[3]) * 37) % 900) + 4);
  t.same(bad.slice(0, 3), [], 'no line is cut or mixed with another');
  for (const id of ['1', '2', '3', '4']) {
    const numbers = lines.filter((l) => l.startsWith(`writer ${id} `)).map((l) => Number(l.split(' ')[3]));
    t.same(numbers, [...numbers].sort((a, b) => a - b), `writer ${id}: in order`);
  }
});

t.test('lingerMs gathers lines into one write; a full PIPE_BUF, flush() and a callback do not wait', async (t) => {
  const fake = fakeWrite();
  const log = new LogStream(9, fake.write);
  log.lingerMs = 40;
  log.write(line(1));
  await new Promise((resolve) => setTimeout(resolve, 5));
  log.write(line(2));
  await new Promise((resolve) => setTimeout(resolve, 5));
  t.equal(fake.writes.length, 0, 'still gathering');
  await new Promise((resolve) => setTimeout(resolve, 60));
  t.same(fake.writes.map(String), [line(1) + line(2)], 'one write after the linger');
  for (let i = 0; i < 3; i++) log.write(line(i, 2000));
  await new Promise((resolve) => setTimeout(resolve, 5));
  t.same(fake.writes.slice(1).map((w) => w.length), [4000, 2000], 'a full PIPE_BUF goes at once');
  await log.flush();
  log.write(line(7));
  const started = Date.now();
  await log.flush();
  t.ok(Date.now() - started < 30, 'flush() does not wait for the linger');
  t.equal(log.pendingBytes, 0);
});
