// Reading a PROXY header off a real connection, in both modes: exact pieces
// from a descriptor (exec mode) and exact reads from the stream (listen
// mode). Whatever follows the header must still be there for the session.
import t from 'tap';
import { PassThrough } from 'node:stream';
import { haproxyV1, haproxyV2, socketPair as pair } from '@mailfront/testkit';
import { DescriptorReader } from '../src/descriptor-reader.js';
import { TimeoutError } from '../src/input.js';
import { ProxyHeaderError, readProxyHeader, readProxyHeaderFromDescriptor } from '../src/proxy/read.js';

const ENDS = { source: '203.0.113.5', sourcePort: 41234, destination: '192.0.2.1', destinationPort: 25 };
const SESSION = Buffer.from('EHLO client.example\r\nQUIT\r\n');

const pause = () => new Promise((resolve) => setTimeout(resolve, 20));

t.test('descriptor: v1 and v2 headers in one packet with the session; the session is left in the kernel', async (t) => {
  for (const header of [haproxyV1(ENDS), haproxyV2(ENDS)]) {
    const { client, fd, rest } = await pair(t);
    client.end(Buffer.concat([header, SESSION]));
    const got = await readProxyHeaderFromDescriptor(fd, { timeoutMs: 5000 });
    t.same(got, { version: header[0] === 0x50 ? 1 : 2, command: 'proxy', source: { address: '203.0.113.5', port: 41234 }, destination: { address: '192.0.2.1', port: 25 } });
    t.same(await rest(), SESSION, 'not one byte of the session was taken');
  }
});

t.test('descriptor: a header in fragments, byte by byte with pauses', async (t) => {
  const { client, fd, rest } = await pair(t);
  const header = haproxyV2(ENDS);
  const reading = readProxyHeaderFromDescriptor(fd, { timeoutMs: 10_000 });
  for (const byte of header) {
    client.write(Buffer.from([byte]));
    await pause();
  }
  client.end(SESSION);
  t.equal((await reading).command, 'proxy');
  t.same(await rest(), SESSION);
});

t.test('descriptor: truncated, malformed, too slow', async (t) => {
  const truncated = await pair(t);
  truncated.client.end(haproxyV1(ENDS).subarray(0, 20));
  await t.rejects(readProxyHeaderFromDescriptor(truncated.fd, { timeoutMs: 5000 }), { problem: 'truncated', message: 'the connection ended after 20 bytes of a PROXY header' });
  const bad = await pair(t);
  bad.client.end('EHLO too.early\r\n');
  await t.rejects(readProxyHeaderFromDescriptor(bad.fd, { timeoutMs: 5000 }), { problem: 'invalid', message: 'not a PROXY protocol header' });
  const slow = await pair(t);
  slow.client.write(haproxyV1(ENDS).subarray(0, 10));
  const started = Date.now();
  const error = await readProxyHeaderFromDescriptor(slow.fd, { timeoutMs: 200 }).catch((e: unknown) => e);
  t.ok(error instanceof ProxyHeaderError && error.problem === 'timeout', String(error));
  t.ok(Date.now() - started < 4000);
});

t.test('DescriptorReader: pieces of the asked size, end of input, timeout without taking a byte', async (t) => {
  const { client, fd, rest } = await pair(t);
  const sizes = [3, 2];
  const reader = new DescriptorReader(fd, () => sizes.shift() ?? 1);
  client.write('abcdef');
  await pause();
  t.equal((await reader.read(5000))!.toString(), 'abc');
  t.equal((await reader.read(5000))!.toString(), 'de');
  t.equal((await reader.read(5000))!.toString(), 'f');
  const idle = new DescriptorReader(fd, () => 1);
  await t.rejects(idle.read(50), TimeoutError);
  reader.stop();
  idle.stop();
  client.end('ijk');
  t.equal((await rest()).toString(), 'ijk', 'after a timeout nothing more was read');
  const ended = await pair(t);
  ended.client.end();
  t.equal(await new DescriptorReader(ended.fd, () => 1).read(5000), null);
});

t.test('stream: exact reads leave the session in the stream, whatever the chunking', async (t) => {
  for (const header of [haproxyV1(ENDS), haproxyV2(ENDS)]) {
    const stream = new PassThrough();
    stream.end(Buffer.concat([header, SESSION]));
    t.equal((await readProxyHeader(stream, { timeoutMs: 5000 })).command, 'proxy');
    t.same(stream.read(), SESSION);
    const slow = new PassThrough();
    const reading = readProxyHeader(slow, { timeoutMs: 10_000 });
    for (const byte of header) {
      slow.write(Buffer.from([byte]));
      await pause();
    }
    slow.end(SESSION);
    await reading;
    t.same(slow.read(), SESSION);
  }
  const ended = new PassThrough();
  ended.end(Buffer.from('PROXY TCP4 1.2'));
  await t.rejects(readProxyHeader(ended, { timeoutMs: 5000 }), { name: 'ProxyHeaderError', problem: 'truncated' });
  const silent = new PassThrough();
  await t.rejects(readProxyHeader(silent, { timeoutMs: 50 }), { name: 'ProxyHeaderError', problem: 'timeout' });
  const oversized = new PassThrough();
  oversized.end(haproxyV2(ENDS, [[0x05, Buffer.alloc(2000)]]));
  await t.rejects(readProxyHeader(oversized, { timeoutMs: 5000, maxV2Length: 1024 }), { problem: 'invalid', message: /over the limit of 1024/ });
});
