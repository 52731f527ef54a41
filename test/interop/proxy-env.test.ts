// proxy-env behind the real tcpsvd, in front of rblsmtpd and mailfront-smtpd,
// with a client that writes PROXY headers as HAProxy does: the client's
// address reaches rblsmtpd and add-received, the session's bytes arrive
// untouched, and a bad header or an untrusted peer gets the connection
// closed without a greeting.
import t from 'tap';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { haproxyV1, haproxyV2, LineClient, PP2_TYPE_ALPN, requireOracles, scratchDir, startUcspiServer, type ProxyEnds } from '@mailfront/testkit';
import { bundle } from '../helpers/paths.js';

const oracles = requireOracles(t, ['tcpsvd']);
const V4: ProxyEnds = { source: '203.0.113.5', sourcePort: 41234, destination: '192.0.2.1', destinationPort: 25 };
const V6: ProxyEnds = { source: '2001:db8::5', sourcePort: 41234, destination: '2001:db8::25', destinationPort: 25 };

async function chain(t: { teardown(fn: () => Promise<void> | void): void }, proxyFrom: string) {
  const dir = scratchDir(t);
  for (const sub of ['tmp', 'new']) mkdirSync(join(dir, sub));
  const server = await startUcspiServer({
    server: oracles!.tcpsvd,
    serverArgs: ['-v'],
    program: [process.execPath, bundle('proxy-env'), process.execPath, bundle('rblsmtpd'), process.execPath, bundle('mailfront-smtpd'), 'queuedir', 'add-received', 'accept'],
    // 203.0.113.5 is "listed" through RBLSMTPD only when rblsmtpd sees it; others pass.
    env: { PATH: process.env.PATH, QUEUEDIR: dir, PROXY_FROM: proxyFrom, PROXY_TIMEOUT: '2' },
  });
  t.teardown(() => server.stop());
  const received = () => readdirSync(join(dir, 'new')).map((n) => readFileSync(join(dir, 'new', n), 'latin1').split('\0\0')[1]!);
  return { server, received };
}

async function deliver(port: number, header: Buffer, fragmented = false): Promise<string[]> {
  const c = await LineClient.connect(port);
  if (fragmented) {
    for (const byte of header) {
      c.send(Buffer.from([byte]));
      await new Promise((r) => setTimeout(r, 5));
    }
  } else {
    c.send(header);
  }
  const replies = [...(await c.readReply())];
  // The whole transaction pipelined right behind the greeting: nothing may be lost.
  c.send('EHLO client.example\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\nDATA\r\nSubject: via proxy\r\n\r\nbody\r\n.\r\nQUIT\r\n');
  for (let i = 0; i < 6; i++) replies.push((await c.readReply()).at(-1)!);
  c.close();
  return replies;
}

if (oracles) {
  t.test('TCP4 and TCP6, v1 and v2, whole or byte by byte: the client\'s address all the way to Received', async (t) => {
    const { server, received } = await chain(t, '127.0.0.0/8');
    const cases: Array<[string, Buffer, boolean, RegExp]> = [
      ['v1 TCP4', haproxyV1(V4), false, /^Received: from client\.example \(\[203\.0\.113\.5\]\)\n  by mx\.test \(\[192\.0\.2\.1\]\)\n/],
      ['v2 TCP4 with ALPN', haproxyV2(V4, [[PP2_TYPE_ALPN, Buffer.from('smtp')]]), true, /^Received: from client\.example \(\[203\.0\.113\.5\]\)\n/],
      ['v1 TCP6', haproxyV1(V6), true, /^Received: from client\.example \(\[IPv6:2001:db8::5\]\)\n  by mx\.test \(\[IPv6:2001:db8::25\]\)\n/],
      ['v2 TCP6', haproxyV2(V6), false, /^Received: from client\.example \(\[IPv6:2001:db8::5\]\)\n/],
      ['v2 LOCAL health check', haproxyV2('local'), false, /^Received: from client\.example \(\[127\.0\.0\.1\]\)\n/],
    ];
    for (const [name, header, fragmented, pattern] of cases) {
      const replies = await deliver(server.port, header, fragmented);
      t.same(replies.map((l) => l.slice(0, 3)), ['220', '250', '250', '250', '354', '250', '221'], name);
      t.match(received().at(-1), pattern, name);
      t.match(received().at(-1), /\nSubject: via proxy\n\nbody\n$/, `${name}: the session's bytes untouched`);
    }
    t.equal(received().length, cases.length);
    t.match(server.log(), /proxy-env\[\d+\]: v1 from 127\.0\.0\.1: client 203\.0\.113\.5 port 41234, to 192\.0\.2\.1 port 25/);
    t.match(server.log(), /proxy-env\[\d+\]: LOCAL from 127\.0\.0\.1/);
  });

  t.test('rblsmtpd judges the client the header names', async (t) => {
    const dir = scratchDir(t);
    for (const sub of ['tmp', 'new']) mkdirSync(join(dir, sub));
    const server = await startUcspiServer({
      server: oracles.tcpsvd,
      program: [process.execPath, bundle('proxy-env'), process.execPath, bundle('rblsmtpd'), '-r', 'nowhere.invalid', process.execPath, bundle('mailfront-smtpd'), 'queuedir', 'accept'],
      env: { PATH: process.env.PATH, QUEUEDIR: dir, PROXY_FROM: '127.0.0.1', RBLSMTPD: '-listed by the test' },
    });
    t.teardown(() => server.stop());
    const c = await LineClient.connect(server.port);
    c.send(haproxyV1(V4));
    t.same(await c.readReply(), ['220 rblsmtpd.local']);
    c.close();
    await new Promise((r) => setTimeout(r, 200));
    t.match(server.log(), /rblsmtpd: 203\.0\.113\.5 pid \d+: 553 listed by the test/);
  });

  t.test('refused without a greeting: UNKNOWN, truncated, oversized, plain SMTP, too slow, an untrusted peer', async (t) => {
    const { server, received } = await chain(t, '127.0.0.1');
    const refused = async (send: (c: LineClient) => void) => {
      const c = await LineClient.connect(server.port);
      send(c);
      const text = await c.readAll(15_000);
      c.close();
      return text;
    };
    t.equal(await refused((c) => c.send(haproxyV1())), '', 'v1 UNKNOWN');
    t.equal(await refused((c) => (c.send(haproxyV2(V4).subarray(0, 20)), c.end())), '', 'truncated');
    t.equal(await refused((c) => c.send(haproxyV2(V4, [[0x05, Buffer.alloc(6000)]]))), '', 'oversized');
    t.equal(await refused((c) => c.send('EHLO client.example\r\n')), '', 'no header');
    t.equal(await refused((c) => c.send(haproxyV1(V4).subarray(0, 10))), '', 'too slow (PROXY_TIMEOUT=2)');
    const log = server.log();
    for (const reason of ['v1 UNKNOWN carries no client address', 'the connection ended after 20 bytes', 'over the limit of 4096', 'not a PROXY protocol header', 'no complete PROXY header within 2000 ms']) {
      t.match(log, new RegExp(`proxy-env\\[\\d+\\]: refused 127\\.0\\.0\\.1: .*${reason.replace(/\./g, '\\.')}`), reason);
    }
    const untrusted = await chain(t, '192.0.2.0/24');
    const c = await LineClient.connect(untrusted.server.port);
    c.send(haproxyV1(V4));
    t.equal(await c.readAll(15_000), '', 'a proxy not in PROXY_FROM');
    t.match(untrusted.server.log(), /proxy-env\[\d+\]: refused 127\.0\.0\.1: not a proxy in PROXY_FROM/);
    t.equal(received().length + untrusted.received().length, 0, 'nothing delivered');
  });
}
