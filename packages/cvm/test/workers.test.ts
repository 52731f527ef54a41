import t from 'tap';
import { createSocket, type Socket as DgramSocket } from 'node:dgram';
import { createConnection, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { freePort, scratchDir } from '@mailfront/testkit';
import { runModule } from '../src/run-module.js';
import { MAX_WORKERS, parseWorkerCount, WORKER_ENV, WorkerPool, type SharedHandle, type WorkerPort, type WorkerProcess } from '../src/workers.js';
import { collector, fakeModule, hex } from './helpers/fake-module.js';

const REQUEST = hex('0200 0103 6a6f65 020b 6578616d706c652e6f7267 00');

class FakeWorker implements WorkerProcess {
  static next = 100;
  readonly pid = FakeWorker.next++;
  shared: SharedHandle[] = [];
  stopped = false;
  #exit!: (status: number | string) => void;
  readonly exited = new Promise<number | string>((resolve) => (this.#exit = resolve));
  constructor(readonly env: Record<string, string | undefined>) {}
  share(handle: SharedHandle) {
    this.shared.push(handle);
  }
  stop() {
    this.stopped = true;
    this.#exit(0);
  }
  die(status: number | string) {
    this.#exit(status);
  }
}

function fakePort(receive?: () => Promise<SharedHandle>) {
  const started: FakeWorker[] = [];
  const calls: string[] = [];
  let stopHandler: (() => void) | undefined;
  const port: WorkerPort = {
    start(env) {
      const w = new FakeWorker(env);
      started.push(w);
      return w;
    },
    receive: receive ?? (() => new Promise(() => {})),
    onStop(handler) {
      stopHandler = handler;
    },
    async tuneHeap() {
      calls.push('tuneHeap');
    },
  };
  return { port, started, calls, stop: () => stopHandler?.() };
}

const log = () => {
  const lines: string[] = [];
  return { lines, log: { info: (l: string) => lines.push(l), warn: (l: string) => lines.push(`Warning: ${l}`), fatal: (l: string) => lines.push(`Fatal: ${l}`) } };
};

t.test('--workers: a count from 1 to MAX_WORKERS', async (t) => {
  t.equal(parseWorkerCount(undefined), 1);
  t.equal(parseWorkerCount('4'), 4);
  t.equal(parseWorkerCount(String(MAX_WORKERS)), MAX_WORKERS);
  for (const bad of ['0', '-1', 'x', '1.5', '', String(MAX_WORKERS + 1), '99999']) t.equal(parseWorkerCount(bad), undefined, JSON.stringify(bad));
});

t.test('the pool: workers get the handle, a dead one is replaced, stop() stops them all', async (t) => {
  const { port, started } = fakePort();
  const { lines, log: logger } = log();
  const handle = { kind: 'local', server: {} as Server } as const;
  const pool = new WorkerPool(port, { X: '1' }, handle, logger);
  pool.start(2);
  t.equal(started.length, 2);
  t.ok(started.every((w) => w.shared[0] === handle), 'each got the handle');
  t.ok(started.every((w) => w.env[WORKER_ENV] === String(process.pid) && w.env.X === '1'), 'started as workers of this process');
  started[0]!.die('SIGKILL');
  await new Promise((resolve) => setTimeout(resolve, 1200));
  t.equal(started.length, 3, 'replaced after a second');
  t.match(lines, [/^Warning: worker \d+ exited \(SIGKILL\); starting another$/]);
  t.equal(pool.size, 2);
  await pool.stop();
  t.ok(started.slice(1).every((w) => w.stopped));
  t.equal(pool.size, 0);
  started[2]!.die(1);
  await new Promise((resolve) => setTimeout(resolve, 1200));
  t.equal(started.length, 3, 'nothing is restarted once stopping');
});

function serve(argv: string[], env: Record<string, string>, port: WorkerPort, workers = 1) {
  const err = collector();
  const stop = new AbortController();
  const io = { stdin: Readable.from([]), stdout: collector().stream, stderr: err.stream };
  const done = runModule(fakeModule, argv, { CVM_LOOKUP_SECRET: '', ...env }, io, { program: 'm', stopSignal: stop.signal, handleSignals: false, workers, workerPort: port });
  return { done, log: err.text, stop: () => stop.abort() };
}

function ask(path: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path, () => socket.end(REQUEST));
    const parts: Buffer[] = [];
    socket.on('data', (b: Buffer) => parts.push(b));
    socket.on('close', () => resolve(Buffer.concat(parts)));
    socket.on('error', reject);
  });
}

t.test('a worker answers on the server it is given, and stops when told', async (t) => {
  const path = join(scratchDir(t), 'w.sock');
  // As Node hands a worker the server: already listening, without our options.
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(path, resolve));
  const fake = fakePort(async () => ({ kind: 'local', server }));
  const worker = serve([`cvm-local:${path}`], { [WORKER_ENV]: '1' }, fake.port, 2);
  await new Promise((resolve) => setTimeout(resolve, 50));
  const reply = await ask(path);
  t.equal(reply[0], 0, 'joe found');
  fake.stop();
  t.equal(await worker.done, 0);
  t.notMatch(worker.log(), /Starting/, 'the primary says Starting, not the worker');
  t.same(fake.calls, ['tuneHeap']);
});

t.test('a udp worker answers datagrams on the socket it is given', async (t) => {
  const socket: DgramSocket = createSocket('udp4');
  const port = await freePort();
  await new Promise<void>((resolve) => socket.bind(port, '127.0.0.1', resolve));
  const fake = fakePort(async () => ({ kind: 'udp', socket }));
  const worker = serve([`cvm-udp:127.0.0.1:${port}`], { [WORKER_ENV]: '1' }, fake.port, 2);
  const client = createSocket('udp4');
  const answer = new Promise<Buffer>((resolve) => client.once('message', resolve));
  await new Promise((resolve) => setTimeout(resolve, 50));
  client.send(REQUEST, port, '127.0.0.1');
  t.equal((await answer)[0], 0);
  client.close();
  fake.stop();
  t.equal(await worker.done, 0);
});

t.test('the primary starts its workers with the bound socket, and stops them before it removes the socket', async (t) => {
  const path = join(scratchDir(t), 'p.sock');
  const fake = fakePort();
  const primary = serve([`cvm-local:${path}`], {}, fake.port, 3);
  await new Promise((resolve) => setTimeout(resolve, 100));
  t.equal(fake.started.length, 2, 'two workers beside the primary');
  t.ok(fake.started.every((w) => w.shared[0]?.kind === 'local'));
  t.equal((await ask(path))[0], 0, 'the primary answers too');
  primary.stop();
  t.equal(await primary.done, 0);
  t.ok(fake.started.every((w) => w.stopped));
  t.same(fake.calls, ['tuneHeap']);
});

t.test('command mode takes no workers and is not tuned', async (t) => {
  const fake = fakePort();
  const err = collector();
  const io = { stdin: Readable.from([REQUEST]), stdout: collector().stream, stderr: err.stream };
  t.equal(await runModule(fakeModule, [], { CVM_LOOKUP_SECRET: '' }, io, { program: 'm', workers: 2, workerPort: fake.port }), 1);
  t.match(err.text(), /Incorrect usage/);
  t.same(fake.calls, []);
});
