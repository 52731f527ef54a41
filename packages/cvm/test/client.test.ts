import t from 'tap';
import { chmodSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { freePort, scratchDir, waitFor } from '@mailfront/testkit';
import { accountCredentials, createCvmClient } from '../src/client.js';
import { parseModuleAddress } from '../src/transport.js';
import { runModule } from '../src/run-module.js';
import type { CvmModule } from '../src/module.js';
import { collector, fakeModule } from './helpers/fake-module.js';

const text = (creds: ReturnType<typeof accountCredentials>) => creds.map((c) => `${c.type}=${c.value.toString()}`);

t.test('account splitting as in cvm (reference §7.2, A.23)', async (t) => {
  t.same(text(accountCredentials({}, 'joe', 'example.org', 'pw', true)), ['1=joe', '2=example.org', '3=pw']);
  t.same(text(accountCredentials({}, 'joe@virt.test', 'example.org', undefined, true)), ['1=joe', '2=virt.test']);
  t.same(text(accountCredentials({}, 'joe@', 'example.org', undefined, true)), ['1=joe', '2='], 'SP4: an empty domain stays');
  t.same(text(accountCredentials({}, 'joe@', '', undefined, true)), ['1=joe'], 'no domain is added when the text is empty');
  t.same(text(accountCredentials({}, 'a@b@virt.test', '', '', true)), ['1=a@b', '2=virt.test'], 'the last @ wins');
  t.same(text(accountCredentials({ CVM_ACCOUNT_SPLIT_CHARS: '%@' }, 'info%virt.test', 'x', undefined, true)), ['1=info', '2=virt.test']);
  t.same(text(accountCredentials({ CVM_ACCOUNT_SPLIT_CHARS: '' }, 'joe@x', 'y', undefined, true)), ['1=joe@x', '2=y']);
  t.same(text(accountCredentials({}, 'joe@x', undefined, undefined, false)), ['1=joe@x']);
});

t.test('module addresses', async (t) => {
  t.same(parseModuleAddress('cvm-udp:127.0.0.1:99'), { kind: 'udp', host: '127.0.0.1', port: 99 });
  t.equal(parseModuleAddress('cvm-udp:127.0.0.1'), undefined);
  t.equal(parseModuleAddress('cvm-udp:h:0'), undefined);
  t.equal(parseModuleAddress('cvm-udp:h:x'), undefined);
  t.same(parseModuleAddress('cvm-local:/s'), { kind: 'local', path: '/s' });
  t.same(parseModuleAddress('cvm-command:/bin/m'), { kind: 'command', path: '/bin/m' });
  t.same(parseModuleAddress('/bin/m'), { kind: 'command', path: '/bin/m' });
});

function serve(module: CvmModule, target: string, env: Record<string, string> = { CVM_LOOKUP_SECRET: '' }) {
  const stop = new AbortController();
  const err = collector();
  const done = runModule(module, [target], env, { stdin: Readable.from([]), stdout: collector().stream, stderr: err.stream }, {
    program: 'm',
    stopSignal: stop.signal,
    handleSignals: false,
  });
  return {
    ready: () => waitFor('"Starting." in the log', () => err.text().includes('Starting.')),
    stop: async () => {
      stop.abort();
      await done;
    },
  };
}

t.test('client over a local socket: lookup, secret states, chains', async (t) => {
  const dir = scratchDir(t);
  const path = join(dir, 'm.sock');
  const server = serve(fakeModule, `cvm-local:${path}`, { CVM_LOOKUP_SECRET: 'secret' });
  await server.ready();
  t.teardown(server.stop);
  const spec = `cvm-local:${path}`;
  const ok = await createCvmClient(spec, { env: { CVM_LOOKUP_SECRET: 'secret' } }).lookup('joe', 'example.org');
  t.equal(ok.code, 0);
  t.equal(ok.account?.domain, 'example.org');
  t.equal(ok.module, spec);
  t.equal((await createCvmClient(spec, { env: {} }).lookup('joe', 'example.org')).code, 7, 'unset: no secret sent');
  t.equal((await createCvmClient(spec, { env: { CVM_LOOKUP_SECRET: '' } }).lookup('joe', 'example.org')).code, 7, 'empty secret sent');
  t.equal((await createCvmClient(spec, { env: { CVM_LOOKUP_SECRET: 'x' }, lookupSecret: 'secret' }).lookup('joe', 'e')).code, 0);
  t.equal((await createCvmClient(spec, { env: { CVM_LOOKUP_SECRET: 'secret' }, lookupSecret: null }).lookup('joe', 'e')).code, 7);
  const client = createCvmClient(spec, { lookupSecret: 'secret' });
  t.match(await client.lookup('joe', 'unknown.dom'), { code: 100, outOfScope: 1 });
  t.match(await client.lookup('bob', 'example.org'), { code: 100, outOfScope: 0 });
  t.equal((await client.lookup('x'.repeat(600))).code, 1);
  t.equal((await client.lookup('x'.repeat(300))).code, 2, 'over 255 bytes is refused, not corrupted');
  t.equal((await client.authenticate('joe', 'example.org', 'pw')).code, 0, 'lookup mode ignores the password');
  t.equal((await createCvmClient(spec, { lookupSecret: 'secret', protocol: 1 }).lookup('joe', 'example.org')).code, 0, 'v1');
  const other = serve(fakeModule, `cvm-local:${join(dir, 'o.sock')}`);
  await other.ready();
  t.teardown(other.stop);
  const chain = `${spec},cvm-local:${join(dir, 'o.sock')}`;
  const chained = createCvmClient(chain, { lookupSecret: 'secret' });
  t.match(await chained.lookup('joe', 'unknown.dom'), { code: 100, module: `cvm-local:${join(dir, 'o.sock')}` }, 'out of scope: next module');
  t.match(await chained.lookup('bob', 'example.org'), { code: 100, outOfScope: 0, module: spec }, 'in scope: the chain stops');
  t.match(await createCvmClient(`cvm-local:${join(dir, 'none')},${spec}`).lookup('joe'), { code: 4 }, 'a temporary error stops the chain');
  t.equal((await createCvmClient('cvm-udp:nohost').lookup('joe')).code, 1);
});

t.test('local socket: timeouts and odd replies', async (t) => {
  const dir = scratchDir(t);
  const path = join(dir, 'odd.sock');
  let reply: Buffer | null = null;
  const fake = createServer({ allowHalfOpen: true }, (socket) => {
    socket.on('data', () => {});
    socket.on('end', () => (reply === null ? undefined : socket.end(reply)));
  });
  await new Promise<void>((r) => fake.listen(path, r));
  t.teardown(() => fake.close());
  const silent = createCvmClient(`cvm-local:${path}`, { timeoutMs: 100, env: {} });
  t.match(await silent.lookup('joe'), { code: 4, reason: 'no answer within 100 ms' }, 'no answer in time');
  // Answers end the exchange; the deadline is only there to fail a hang.
  const client = createCvmClient(`cvm-local:${path}`, { timeoutMs: 60_000, env: {} });
  for (const [bytes, code] of [['', 3], ['0000', 3], ['0001990000', 3], ['0000010175', 3], ['000001017502013103013205012f00', 0]] as const) {
    reply = Buffer.from(bytes, 'hex');
    t.equal((await client.lookup('joe')).code, code, bytes || 'empty');
  }
  reply = Buffer.concat([Buffer.from('0000', 'hex'), Buffer.alloc(600, 1)]);
  t.equal((await client.lookup('joe')).code, 3, 'more than 512 bytes');
});

t.test('command modules: exit status overrides the code (reference A.19)', async (t) => {
  const dir = scratchDir(t);
  const script = (name: string, body: string) => {
    const file = join(dir, name);
    writeFileSync(file, `#!/bin/sh\ncat >/dev/null\n${body}\n`);
    chmodSync(file, 0o755);
    return file;
  };
  const good = "printf '\\000\\000\\001\\001u\\002\\0011\\003\\0012\\005\\001/\\000'";
  const env = { PATH: `${dir}:/usr/bin:/bin` };
  const client = (file: string) => createCvmClient(file, { env });
  t.match(await client(script('ok', good)).lookup('joe'), { code: 0, account: { username: 'u', userId: 1, groupId: 2, directory: '/' } });
  t.equal((await client(script('exit3', `${good}; exit 3`)).lookup('joe')).code, 3, 'O7');
  t.equal((await client(script('exit0', "printf '\\144\\000\\001\\001u\\002\\0011\\003\\0012\\005\\001/\\000'")).lookup('joe')).code, 0, 'O9');
  t.match(await client(script('silent', 'exit 0')).lookup('joe'), { code: 4, reason: `${dir}/silent exited with status 0 without an answer` }, 'no output');
  t.match(await client(script('killed', `${good}; kill -9 $$`)).lookup('joe'), { code: 4, reason: `${dir}/killed was killed by SIGKILL` }, 'killed by a signal');
  t.match(await client(join(dir, 'nonexistent')).lookup('joe'), { code: 4, reason: `spawn ${dir}/nonexistent ENOENT` }, 'the errno and the path');
  t.match(await client('').lookup('joe'), { code: 4, reason: /./ }, 'an empty module name');
  t.equal((await createCvmClient('cvm-command:ok', { env }).lookup('joe')).code, 0, 'PATH is searched');
  t.equal((await createCvmClient(script('slow', 'sleep 5'), { env, timeoutMs: 100 }).lookup('joe')).code, 4, 'timeout');
  const big = script('big', `${good}; head -c 1000 /dev/zero | tr '\\000' A`);
  t.equal((await client(big).lookup('joe')).code, 3, 'only 512 bytes are read: the last one is not NUL');
  const padded = script('padded', `${good}; head -c 1000 /dev/zero`);
  t.equal((await client(padded).lookup('joe')).code, 0, 'NULs after the facts are ignored, as in cvm');
});

t.test('udp: nonce, resends, forged answers ignored', async (t) => {
  const port = await freePort();
  const server = serve(fakeModule, `cvm-udp:127.0.0.1:${port}`);
  await server.ready();
  t.teardown(server.stop);
  const spec = `cvm-udp:127.0.0.1:${port}`;
  t.match(await createCvmClient(spec, { env: { CVM_LOOKUP_SECRET: '' } }).lookup('joe', 'example.org'), { code: 0 });
  t.match(await createCvmClient(spec, { env: { CVM_LOOKUP_SECRET: '', CVM_RANDOM_BYTES: '3' } }).lookup('joe', 'unknown.dom'), { code: 100, outOfScope: 1 });
  t.match(await createCvmClient(spec, { env: { CVM_LOOKUP_SECRET: '', CVM_RANDOM_BYTES: 'x' } }).lookup('joe'), { code: 0 });
  t.match(await createCvmClient(spec, { env: { CVM_LOOKUP_SECRET: '', CVM_RANDOM_BYTES: '999' } }).lookup('joe'), { code: 0 });

  // A module that answers only the second try, after a forged datagram.
  const flaky = createSocket('udp4');
  const flakyPort = await freePort();
  let seen = 0;
  flaky.on('message', (m, peer) => {
    if (++seen === 1) return;
    flaky.send(Buffer.from([0, 1, 0x99, 0]), peer.port, peer.address); // wrong nonce
    const answer = Buffer.concat([Buffer.from([0x64, m[1]!]), m.subarray(2, 2 + m[1]!), Buffer.from([16, 1, 0x30, 0])]);
    flaky.send(answer, peer.port, peer.address);
  });
  await new Promise<void>((r) => flaky.bind(flakyPort, '127.0.0.1', r));
  t.teardown(() => flaky.close());
  // Resent after 50 ms; then the answer, however slow the machine, ends the wait.
  const retried = await createCvmClient(`cvm-udp:127.0.0.1:${flakyPort}`, { env: {}, udpRetryDelaysMs: [50, 60_000] }).lookup('joe');
  t.match(retried, { code: 100, outOfScope: 0 });
  const deaf = await freePort();
  t.equal((await createCvmClient(`cvm-udp:127.0.0.1:${deaf}`, { env: {}, udpRetryDelaysMs: [20, 20] }).lookup('joe')).code, 4);
});
