// proxy-env's main with fake streams: the header from io.stdin (as in
// listen mode), the rest of the chain through a stand-in execve or the
// listener's runNext.
import t from 'tap';
import { PassThrough } from 'node:stream';
import type { Env, ListenSession } from '@mailfront/core';
import { collector, haproxyV1, haproxyV2, socketPair } from '@mailfront/testkit';
import { main } from '../src/main.js';

const ENDS = { source: '203.0.113.5', sourcePort: 41234, destination: '192.0.2.1', destinationPort: 25 };
const BASE: Env = { PATH: '/usr/bin:/bin', PROTO: 'TCP', TCPREMOTEIP: '10.0.0.5', TCPREMOTEPORT: '40000', TCPREMOTEHOST: 'haproxy.lan', TCPLOCALIP: '10.0.0.9', TCPLOCALPORT: '2525', TCPLOCALHOST: 'mx.example.com' };

function harness(input: Buffer | string, options: { end?: boolean } = {}) {
  const stdin = new PassThrough();
  if (options.end ?? true) stdin.end(input);
  else stdin.write(input);
  const out = collector();
  const err = collector();
  const execs: Array<{ file: string; args: string[]; env: Record<string, string> }> = [];
  const execve = (file: string, args: string[], env: Record<string, string>) => {
    execs.push({ file, args, env });
    return 7;
  };
  return { io: { stdin, stdout: out.stream, stderr: err.stream }, stdin, execs, execve, log: () => err.text(), out: () => out.text() };
}

t.test('a trusted proxy: the client\'s address in the TCP variables, the proxy\'s name gone, the session untouched', async (t) => {
  for (const header of [haproxyV1(ENDS), haproxyV2(ENDS)]) {
    const h = harness(Buffer.concat([header, Buffer.from('EHLO c\r\n')]));
    const status = await main(['/bin/sh', '-c', 'x'], { ...BASE, PROXY_FROM: '10.0.0.0/8' }, h.io, { execve: h.execve });
    t.equal(status, 7, 'the status of the program it ran');
    t.equal(h.execs.length, 1);
    t.same(h.execs[0]!.args, ['/bin/sh', '-c', 'x']);
    const env = h.execs[0]!.env;
    t.same([env.TCPREMOTEIP, env.TCPREMOTEPORT, env.TCPLOCALIP, env.TCPLOCALPORT], ['203.0.113.5', '41234', '192.0.2.1', '25']);
    t.equal(env.TCPREMOTEHOST, undefined);
    t.equal(env.TCPLOCALHOST, 'mx.example.com');
    t.equal(env.PROXY_FROM, '10.0.0.0/8');
    t.same(h.stdin.read(), Buffer.from('EHLO c\r\n'));
    t.match(h.log(), new RegExp(`^proxy-env\\[\\d+\\]: v${header[0] === 0x50 ? 1 : 2} from 10\\.0\\.0\\.5: client 203\\.0\\.113\\.5 port 41234, to 192\\.0\\.2\\.1 port 25\\n$`));
  }
});

t.test('LOCAL (a health check) keeps the real endpoints', async (t) => {
  const h = harness(haproxyV2('local'));
  t.equal(await main(['/bin/true'], { ...BASE, PROXY_FROM: '10.0.0.5' }, h.io, { execve: h.execve }), 7);
  t.equal(h.execs[0]!.env.TCPREMOTEIP, '10.0.0.5');
  t.equal(h.execs[0]!.env.TCPREMOTEHOST, 'haproxy.lan');
  t.match(h.log(), /LOCAL from 10\.0\.0\.5: the proxy's own connection/);
});

t.test('refused: untrusted peer, UNKNOWN, malformed, truncated, oversized, late; nothing is run', async (t) => {
  const cases: Array<[string, Buffer | string, Env, RegExp]> = [
    ['untrusted', haproxyV1(ENDS), { ...BASE, PROXY_FROM: '192.0.2.0/24' }, /refused 10\.0\.0\.5: not a proxy in PROXY_FROM/],
    ['no peer address', haproxyV1(ENDS), { PROXY_FROM: '10.0.0.0/8' }, /refused an unknown address: not a proxy/],
    ['UNKNOWN', haproxyV1(), { ...BASE, PROXY_FROM: '10.0.0.5' }, /refused 10\.0\.0\.5: v1 UNKNOWN carries no client address/],
    ['plain SMTP', 'EHLO c\r\n', { ...BASE, PROXY_FROM: '10.0.0.5' }, /refused 10\.0\.0\.5: not a PROXY protocol header/],
    ['truncated', haproxyV2(ENDS).subarray(0, 20), { ...BASE, PROXY_FROM: '10.0.0.5' }, /refused 10\.0\.0\.5: the connection ended after 20 bytes of a PROXY header/],
    ['oversized', haproxyV2(ENDS, [[0x05, Buffer.alloc(5000)]]), { ...BASE, PROXY_FROM: '10.0.0.5' }, /over the limit of 4096/],
  ];
  for (const [name, input, env, log] of cases) {
    const h = harness(input);
    t.equal(await main(['/bin/true'], env, h.io, { execve: h.execve }), 1, name);
    t.same(h.execs, [], name);
    t.match(h.log(), log, name);
    t.equal(h.out(), '', 'nothing is written to the client');
  }
  const late = harness(haproxyV1(ENDS).subarray(0, 9), { end: false });
  t.equal(await main(['/bin/true'], { ...BASE, PROXY_FROM: '10.0.0.5', PROXY_TIMEOUT: '100ms' }, late.io, { execve: late.execve }), 1);
  t.match(late.log(), /refused 10\.0\.0\.5: no complete PROXY header within 100 ms \(9 bytes\)/);
});

t.test('PROXY_FROM empty: no header is read, the chain runs as it is', async (t) => {
  const h = harness('EHLO c\r\n');
  t.equal(await main(['/bin/true'], { ...BASE, PROXY_FROM: ' ' }, h.io, { execve: h.execve }), 7);
  t.equal(h.execs[0]!.env.TCPREMOTEIP, '10.0.0.5');
  t.same(h.stdin.read(), Buffer.from('EHLO c\r\n'));
});

t.test('configuration errors are fatal (111): PROXY_FROM unset or wrong, PROXY_TIMEOUT wrong; a program that cannot run', async (t) => {
  const cases: Array<[Env, RegExp]> = [
    [BASE, /Fatal: PROXY_FROM is not set/],
    [{ ...BASE, PROXY_FROM: '10.0.0.0/33' }, /Fatal: PROXY_FROM: "10\.0\.0\.0\/33" is not an IP address or CIDR block/],
    [{ ...BASE, PROXY_FROM: '10.0.0.5', PROXY_TIMEOUT: 'soon' }, /Fatal: PROXY_TIMEOUT="soon" is not a duration/],
  ];
  for (const [env, log] of cases) {
    const h = harness(haproxyV1(ENDS));
    t.equal(await main(['/bin/true'], env, h.io, { execve: h.execve }), 111);
    t.match(h.log(), log);
  }
  const h = harness(haproxyV1(ENDS));
  t.equal(await main(['/nonexistent/program'], { ...BASE, PROXY_FROM: '10.0.0.5' }, h.io, { execve: h.execve }), 111);
  t.match(h.log(), /Fatal: unable to run \/nonexistent\/program: file does not exist/);
});

t.test('usage: no program is 100; --help', async (t) => {
  const h = harness('');
  t.equal(await main([], BASE, h.io), 100);
  const help = harness('');
  t.equal(await main(['--help'], BASE, help.io), 0);
  t.match(help.out(), /^Usage: proxy-env PROGRAM \[ARGS\.\.\.\]/);
});

t.test('listen mode: the rest of the chain goes to the listener with the client\'s variables; the session stays in the stream', async (t) => {
  const calls: Array<{ argv: readonly string[]; env: Env }> = [];
  const session: ListenSession = { id: 42, runNext: async (argv, env) => (calls.push({ argv, env }), 3), windDown: new AbortController().signal, count: () => {} };
  const h = harness(Buffer.concat([haproxyV2(ENDS), Buffer.from('QUIT\r\n')]));
  t.equal(await main(['mailfront-smtpd', 'echo'], { ...BASE, PROXY_FROM: '10.0.0.5' }, { ...h.io, session }), 3);
  t.same(calls[0]!.argv, ['mailfront-smtpd', 'echo']);
  t.equal(calls[0]!.env.TCPREMOTEIP, '203.0.113.5');
  t.same(h.stdin.read(), Buffer.from('QUIT\r\n'));
  t.match(h.log(), /^proxy-env\[42\]: v2 from 10\.0\.0\.5/);
});

t.test('exec mode: the header from a descriptor, the session left in the kernel for the next program', async (t) => {
  const { client, fd, rest } = await socketPair(t);
  client.end(Buffer.concat([haproxyV1(ENDS), Buffer.from('EHLO c\r\n')]));
  const h = harness('');
  t.equal(await main(['/bin/true'], { ...BASE, PROXY_FROM: '10.0.0.5' }, h.io, { execve: h.execve, descriptor: fd }), 7);
  t.equal(h.execs[0]!.env.TCPREMOTEIP, '203.0.113.5');
  t.same(await rest(), Buffer.from('EHLO c\r\n'));
});
