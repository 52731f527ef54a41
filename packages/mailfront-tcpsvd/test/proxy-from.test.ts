// --proxy-from: the PROXY header's client is the session's client for the
// rules, the -C count (moved in the primary), the log and the chain's TCP*
// variables; anything else from the front end, or anything from elsewhere,
// is closed.
import t from 'tap';
import { join } from 'node:path';
import { writeCdb } from '@mailfront/cdb64';
import { ByteInput, Output, readLine, type Env, type Io } from '@mailfront/core';
import { haproxyV1, haproxyV2, scratchDir } from '@mailfront/testkit';
import { parseOptions } from '../src/options.js';
import { CdbRules } from '../src/rules-source.js';
import { Session } from '../src/session.js';
import { connection, harness, received } from './helpers/listener.js';

const dir = scratchDir(t);
const CLIENT = { source: '203.0.113.5', sourcePort: 41234, destination: '192.0.2.1', destinationPort: 25 };

/** Greets, reads one line, and shows the variables it was given. */
const showEnv = async (_argv: string[], env: Env, io: Io) => {
  const out = new Output(io.stdout);
  out.write('220 hi\r\n');
  const line = await readLine(new ByteInput(io.stdin), 1000, 5000);
  const shown = ['TCPREMOTEIP', 'TCPREMOTEPORT', 'TCPLOCALIP', 'TCPLOCALPORT', 'TCPCONCURRENCY', 'RULE'].map((k) => `${k}=${env[k] ?? '-'}`);
  out.write(`${line?.bytes.toString()} ${shown.join(' ')}\r\n`);
  await out.flush();
  return 3;
};

t.test('--proxy-from: addresses and CIDR blocks; a bad list is a usage error', async (t) => {
  const parsed = parseOptions(['--proxy-from', '10.0.0.0/8,127.0.0.1', '-v', '0', '25', 'prog']);
  t.equal(parsed.kind, 'ok');
  if (parsed.kind === 'ok') t.ok(parsed.options.proxyFrom?.allows('10.9.8.7'));
  const equals = parseOptions(['--proxy-from=2001:db8::/32', '0', '25', 'prog']);
  t.ok(equals.kind === 'ok' && equals.options.proxyFrom?.allows('2001:db8::1'));
  t.same(parseOptions(['--proxy-from', '10.0.0.0/40', '0', '25', 'prog']), { kind: 'usage', problem: '--proxy-from: "10.0.0.0/40" is not an IP address or CIDR block' });
  t.same(parseOptions(['--proxy-from', ',', '0', '25', 'prog']), { kind: 'usage', problem: '--proxy-from needs at least one address or CIDR block' });
  t.same(parseOptions(['--proxy-from']), { kind: 'usage', problem: 'option --proxy-from needs a value' });
});

t.test('the header\'s client everywhere: rules, -C count, decision line, TCP* variables', async (t) => {
  const path = join(dir, 'rules.cdb');
  writeCdb(path, [
    [Buffer.from('203.0.113.5'), Buffer.from('+RULE=client\0C2:421 too many from you\\r\\nI')],
    [Buffer.from('127.0.0.1'), Buffer.from('+RULE=proxy\0I')],
  ]);
  const h = harness({ programs: { first: showEnv }, rules: new CdbRules(path), argv: ['-vv', '-l', 'mx.test', '-C', '5', '--proxy-from', '127.0.0.0/8'] });
  const moves: Array<[number, string]> = [];
  let count = 2;
  h.listener.moveClient = async (id, ip) => (moves.push([id, ip]), count);
  const run = async (header: Buffer) => {
    const c = await connection();
    const seen = received(c.client);
    c.client.write(header);
    c.client.once('data', () => c.client.end('EHLO x\r\n'));
    const r = await new Session(h.listener, 30, c.server, 1).run();
    return { status: r.status, text: await seen };
  };
  for (const header of [haproxyV1(CLIENT), haproxyV2(CLIENT)]) {
    const r = await run(header);
    t.equal(r.status, 3);
    t.equal(r.text, '220 hi\r\nEHLO x TCPREMOTEIP=203.0.113.5 TCPREMOTEPORT=41234 TCPLOCALIP=192.0.2.1 TCPLOCALPORT=25 TCPCONCURRENCY=2 RULE=client\r\n');
  }
  t.same(moves, [[30, '203.0.113.5'], [30, '203.0.113.5']], 'the primary is told the client, and counts it');
  const log = h.stdout.text();
  t.match(log, /info: pid 30 from 127\.0\.0\.1\n.*info: proxy 30 127\.0\.0\.1: client 203\.0\.113\.5:41234 to 192\.0\.2\.1:25\n.*info: concurrency 30 203\.0\.113\.5 2\/2\n.*info: start 30 mx\.test:192\.0\.2\.1 ::203\.0\.113\.5:41234 .*rules\.cdb\/203\.0\.113\.5: \+RULE=client/s);
  count = 3;
  const over = await run(haproxyV1(CLIENT));
  t.same(over, { status: 100, text: '421 too many from you\r\n' }, 'the rule\'s C limit applies to the client');
  const local = await run(haproxyV2('local'));
  t.match(local.text, /TCPREMOTEIP=127\.0\.0\.1 .*RULE=proxy/, 'LOCAL: the front end itself, its own rule');
});

t.test('refused: a peer not in --proxy-from, a bad, truncated or missing header', async (t) => {
  const h = harness({ programs: { first: showEnv }, argv: ['-vv', '-l', 'mx.test', '--proxy-from', '192.0.2.0/24'] });
  const c = await connection();
  const seen = received(c.client);
  c.client.write(haproxyV1(CLIENT));
  t.equal((await new Session(h.listener, 31, c.server, 1).run()).status, 100);
  t.equal(await seen, '', 'closed without a byte');
  t.match(h.stderr.text(), /warning: proxy 31: refused 127\.0\.0\.1: not in --proxy-from/);

  const trusting = harness({ programs: { first: showEnv }, argv: ['-vv', '-l', 'mx.test', '--proxy-from', '127.0.0.1'] });
  for (const [input, reason] of [
    [haproxyV1(), 'v1 UNKNOWN carries no client address'],
    ['EHLO talking.directly\r\n', 'not a PROXY protocol header'],
    [haproxyV2(CLIENT).subarray(0, 20), 'the connection ended after 20 bytes of a PROXY header'],
  ] as const) {
    const bad = await connection();
    const text = received(bad.client);
    bad.client.end(input);
    t.equal((await new Session(trusting.listener, 32, bad.server, 1).run()).status, 100, reason);
    t.equal(await text, '');
    t.ok(trusting.stderr.text().includes(`proxy 32: refused 127.0.0.1: ${reason}`), reason);
  }
});
