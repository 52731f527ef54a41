import t from 'tap';
import { chmodSync, existsSync, statSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { scratchDir, freePort, waitFor } from '@mailfront/testkit';
import { runModule } from '../src/run-module.js';
import type { CvmModule } from '../src/module.js';
import { collector, fakeModule, hex } from './helpers/fake-module.js';

const REQUEST = hex('0200 0103 6a6f65 020b 6578616d706c652e6f7267 00');

function start(module: CvmModule, argv: string[], env: Record<string, string> = {}) {
  const stop = new AbortController();
  const out = collector();
  const err = collector();
  const io = { stdin: Readable.from([]), stdout: out.stream, stderr: err.stream };
  const done = runModule(module, argv, { CVM_LOOKUP_SECRET: '', ...env }, io, { program: 'test-module', stopSignal: stop.signal, handleSignals: false });
  return { stop: () => stop.abort(), done, log: err.text };
}

function started(log: () => string) {
  return waitFor('"Starting." in the log', () => log().includes('Starting.'));
}

function rawLocal(path: string, packet: Buffer, halfClose = true): Promise<{ reply: Buffer; ms: number }> {
  return new Promise((resolve, reject) => {
    const begin = Date.now();
    const socket = createConnection(path);
    const parts: Buffer[] = [];
    socket.on('connect', () => (halfClose ? socket.end(packet) : socket.write(packet)));
    socket.on('data', (b: Buffer) => parts.push(b));
    socket.on('close', () => resolve({ reply: Buffer.concat(parts), ms: Date.now() - begin }));
    socket.on('error', reject);
  });
}

t.test('command mode: one request on stdin, the code as exit status', async (t) => {
  const out = collector();
  const io = { stdin: Readable.from([REQUEST.subarray(0, 5), REQUEST.subarray(5)]), stdout: out.stream, stderr: collector().stream };
  t.equal(await runModule(fakeModule, [], { CVM_LOOKUP_SECRET: '' }, io, { program: 'm' }), 0);
  t.equal(out.bytes()[0], 0);
  const out2 = collector();
  const io2 = { stdin: Readable.from([hex('02')]), stdout: out2.stream, stderr: collector().stream };
  t.equal(await runModule(fakeModule, [], {}, io2, { program: 'm' }), 2, 'the one-byte request is an error, not a crash');
  t.same(out2.bytes(), hex('020000'));
  const out3 = collector();
  const io3 = { stdin: Readable.from([Buffer.alloc(300, 2), Buffer.alloc(300, 2)]), stdout: out3.stream, stderr: collector().stream };
  t.equal(await runModule(fakeModule, [], {}, io3, { program: 'm' }), 2, 'at most 512 bytes are read');
  const err4 = collector();
  const io4 = { stdin: Readable.from([hex('0200 0105 6372617368 00')]), stdout: collector().stream, stderr: err4.stream };
  t.equal(await runModule(fakeModule, [], { CVM_LOOKUP_SECRET: '' }, io4, { program: 'm' }), 4);
  t.match(err4.text(), /^m\[\d+\]: Warning: module failed: module bug\n$/);
});

t.test('usage, init failure, bad settings', async (t) => {
  const err = collector();
  const io = { stdin: Readable.from([]), stdout: collector().stream, stderr: err.stream };
  for (const argv of [['x'], ['cvm-local:'], ['cvm-udp:host'], ['cvm-udp::1'], ['cvm-udp:h:0'], ['cvm-udp:h:99999'], ['a', 'b']]) {
    t.equal(await runModule(fakeModule, argv, {}, io, { program: 'm' }), 1, argv.join(' '));
  }
  t.match(err.text(), 'm: Fatal: Incorrect usage.\nusage: m cvm-local:/path/to/socket\nor:    m cvm-udp:hostname:port\n');
  const failing: CvmModule = { init: () => 6, lookup: () => ({ code: 100 }) };
  const out = collector();
  t.equal(await runModule(failing, [], {}, { ...io, stdout: out.stream }, { program: 'm' }), 6);
  t.equal(out.bytes().length, 0, 'an init failure writes nothing');
  t.equal(await runModule(failing, ['cvm-local:/tmp/x'], {}, io, { program: 'm' }), 6);
  t.equal(await runModule(fakeModule, ['cvm-local:/tmp/x'], { CVM_SOCKET_MODE: 'rw' }, io, { program: 'm' }), 6);
  t.equal(await runModule(fakeModule, ['cvm-local:/tmp/x'], { CVM_LOCAL_TIMEOUT: '1s' }, io, { program: 'm' }), 6);
  t.equal(await runModule(fakeModule, ['cvm-local:/tmp/x'], { CVM_SOCKET_OWNER: 'no-such-user-x' }, io, { program: 'm' }), 6);
  t.equal(await runModule(fakeModule, ['cvm-local:/tmp/x'], { CVM_SOCKET_GROUP: 'no-such-group-x' }, io, { program: 'm' }), 6);
  t.match(err.text(), /CVM_SOCKET_GROUP="no-such-group-x"/);
});

t.test('local socket server', async (t) => {
  const dir = scratchDir(t);
  const path = join(dir, 'cvm.sock');
  // A deadline no answered client reaches, even on a loaded machine.
  const server = start(fakeModule, [`cvm-local:${path}`], { CVM_SOCKET_MODE: '0640', CVM_LOCAL_TIMEOUT: '60000', CVM_SOCKET_OWNER: 'root', CVM_SOCKET_GROUP: '0' });
  await started(server.log);
  t.equal(statSync(path).mode & 0o777, 0o640, 'socket mode');
  const replies = await Promise.all(Array.from({ length: 20 }, () => rawLocal(path, REQUEST)));
  t.ok(replies.every((r) => r.reply[0] === 0), 'many clients at once');
  // A short one for a client that never ends its request.
  const impatientPath = join(dir, 'impatient.sock');
  const impatient = start(fakeModule, [`cvm-local:${impatientPath}`], { CVM_LOCAL_TIMEOUT: '150' });
  await started(impatient.log);
  const silent = await rawLocal(impatientPath, REQUEST, false);
  t.equal(silent.reply.length, 0, 'no half-close: dropped without an answer');
  t.ok(silent.ms >= 100, 'after CVM_LOCAL_TIMEOUT');
  impatient.stop();
  t.equal(await impatient.done, 0);
  const full = Buffer.concat([REQUEST, Buffer.alloc(512 - REQUEST.length)]);
  t.equal((await rawLocal(path, full, false)).reply[0], 0, 'a 512-byte request is answered without the half-close');
  t.same((await rawLocal(path, hex('0200 0105 6372617368 00'))).reply, hex('040000'), 'a module exception answers 4');
  const second = start(fakeModule, [`cvm-local:${path}`]);
  t.equal(await second.done, 4, 'a live socket is not stolen');
  server.stop();
  t.equal(await server.done, 0);
  t.notOk(existsSync(path), 'socket removed at stop');
  t.match(server.log(), /test-module\[\d+\]: Starting\.\n.*\+ joe@example\.org\n[^]*Stopping\.\n$/);
  t.match(server.log(), /Warning: module failed: module bug\n.*\? crash\n/);
});

t.test('local socket: stale sockets are replaced, files are not', async (t) => {
  const dir = scratchDir(t);
  const path = join(dir, 'stale.sock');
  const old = createServer();
  await new Promise<void>((r) => old.listen(path, r));
  // Closing a server removes its socket; recreate a stale one the way a killed process leaves it.
  const stale = join(dir, 'stale2.sock');
  const killed = createServer();
  await new Promise<void>((r) => killed.listen(stale, r));
  (killed as unknown as { _handle: { close(): void } })._handle.close();
  old.close();
  const server = start(fakeModule, [`cvm-local:${stale}`]);
  await started(server.log);
  t.equal((await rawLocal(stale, REQUEST)).reply[0], 0);
  server.stop();
  await server.done;
  const file = join(dir, 'file');
  writeFileSync(file, 'keep me');
  const refused = start(fakeModule, [`cvm-local:${file}`]);
  t.equal(await refused.done, 4);
  t.ok(existsSync(file), 'a file is never deleted');
  chmodSync(dir, 0o755);
  const nodir = start(fakeModule, [`cvm-local:${join(dir, 'no/such/dir.sock')}`]);
  t.equal(await nodir.done, 4);
  t.match(nodir.log(), /unable to serve cvm-local:/);
});

t.test('udp server', async (t) => {
  const port = await freePort();
  const server = start(fakeModule, [`cvm-udp:127.0.0.1:${port}`]);
  await started(server.log);
  const client = createSocket('udp4');
  const reply = await new Promise<Buffer>((resolve) => {
    client.on('message', (m) => resolve(m));
    client.send(hex('0203 77ec79 0103 6a6f65 020b 756e6b6e6f776e2e646f6d 00'), port, '127.0.0.1');
  });
  const crashed = await new Promise<Buffer>((resolve) => {
    client.removeAllListeners('message');
    client.on('message', (m) => resolve(m));
    client.send(hex('0200 0105 6372617368 00'), port, '127.0.0.1');
  });
  client.close();
  t.same(reply, hex('6403 77ec79 100131 00'), 'nonce echoed, out of scope');
  t.same(crashed, hex('040000'));
  server.stop();
  t.equal(await server.done, 0);
  const any = start(fakeModule, [`cvm-udp:0:${port}`]);
  await started(any.log);
  any.stop();
  t.equal(await any.done, 0);
  const bad = start(fakeModule, [`cvm-udp:no-such-host.invalid:${port}`]);
  t.equal(await bad.done, 4);
});
