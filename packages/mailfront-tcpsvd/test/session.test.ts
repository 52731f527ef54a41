import t from 'tap';
import { writeCdb } from '@mailfront/cdb64';
import { handOff, readLine, ByteInput, Output, type Env, type Io } from '@mailfront/core';
import { scratchDir } from '@mailfront/testkit';
import { join } from 'node:path';
import { CdbRules } from '../src/rules-source.js';
import { Session } from '../src/session.js';
import { connection, harness, received } from './helpers/listener.js';

const dir = scratchDir(t);

/** A program that greets, echoes one line with its environment, and exits 3. */
const echoEnv = async (argv: string[], env: Env, io: Io) => {
  const out = new Output(io.stdout);
  out.write(`hello ${argv.join(' ')} from ${io.session?.id}\r\n`);
  const line = await readLine(new ByteInput(io.stdin), 1000, 5000);
  const shown = ['PROTO', 'TCPLOCALIP', 'TCPLOCALHOST', 'TCPREMOTEIP', 'TCPREMOTEHOST', 'TCPREMOTEINFO', 'TCPCONCURRENCY', 'RULE'].map((k) => `${k}=${env[k] ?? '-'}`);
  out.write(`${line?.bytes.toString()} ${shown.join(' ')}\r\n`);
  io.session?.count('lines');
  await out.flush();
  return 3;
};

t.test('the chain runs in-process with the TCP* environment; logs as tcpsvd', async (t) => {
  const h = harness({ programs: { first: echoEnv }, env: { PATH: '/bin', TCPREMOTEINFO: 'stale', TCPREMOTEHOST: 'stale' } });
  const c = await connection();
  const seen = received(c.client);
  c.client.write('ping\r\n');
  const session = new Session(h.listener, 7, c.server, 1);
  const result = await session.run();
  t.same(result, { status: 3, counters: { lines: 1 }, observations: {} });
  const text = await seen;
  t.match(text, /^hello {2}from 7\r\nping PROTO=TCP TCPLOCALIP=127\.0\.0\.1 TCPLOCALHOST=mx\.test TCPREMOTEIP=127\.0\.0\.1 TCPREMOTEHOST=- TCPREMOTEINFO=- TCPCONCURRENCY=- RULE=-\r\n$/);
  t.match(h.stdout.text(), /^mailfront-tcpsvd: info: pid 7 from 127\.0\.0\.1\nmailfront-tcpsvd: info: start 7 mx\.test:127\.0\.0\.1 ::127\.0\.0\.1:\d+\n$/);
});

t.test('hand-off: the next program runs with the same connection and environment', async (t) => {
  const first = async (argv: string[], env: Env, io: Io) => handOff(argv, { ...env, RULE: 'from-first' }, io);
  const h = harness({ programs: { first, second: echoEnv }, program: ['first', 'second', 'a', 'b'], argv: ['-E', '-l', 'x'] });
  const c = await connection();
  const seen = received(c.client);
  c.client.write('pong\r\n');
  t.equal((await new Session(h.listener, 8, c.server, 1).run()).status, 3);
  t.match(await seen, /^hello a b from 8\r\npong PROTO=- TCPLOCALIP=- TCPLOCALHOST=- TCPREMOTEIP=- .* RULE=from-first\r\n$/, '-E: no TCP* variables');
  t.equal(h.stdout.text(), '', 'no -v: no info lines');
});

t.test('a program of another project is spawned onto the socket and gets every byte', async (t) => {
  const h = harness({ program: ['/bin/sh', '-c', 'echo "sh: $TCPREMOTEIP $TCPCONCURRENCY"; read line; echo "got $line"; exit 4'], argv: ['-C', '3', '-l', 'x'] });
  const c = await connection();
  const seen = received(c.client);
  c.client.write('early bird\n');
  await new Promise((r) => setTimeout(r, 50));
  t.equal((await new Session(h.listener, 9, c.server, 2).run()).status, 4);
  t.equal(await seen, 'sh: 127.0.0.1 2\ngot early bird\n');
});

t.test('rules: deny closes before any byte; exec runs the command; -C over the limit', async (t) => {
  const path = join(dir, 'rules.cdb');
  writeCdb(path, [
    [Buffer.from('127.0.0.2'), Buffer.from('D')],
    [Buffer.from('127.0.0.3'), Buffer.from('echo "554 no"X')],
    [Buffer.from('127.0.0.4'), Buffer.from('+RULE=four\0C1:421 one only\\r\\nI')],
  ]);
  const h = harness({ programs: { first: echoEnv }, rules: new CdbRules(path), argv: ['-vv', '-l', 'mx.test', '-C', '5:busy\\r\\n'] });
  const run = async (ip: string, concurrency: number, input = 'x\r\n') => {
    const c = await connection(ip);
    const seen = received(c.client);
    c.client.end(input);
    const r = await new Session(h.listener, 10, c.server, concurrency).run();
    return { status: r.status, text: await seen };
  };
  t.same(await run('127.0.0.2', 1), { status: 100, text: '' });
  t.same(await run('127.0.0.3', 1), { status: 0, text: '554 no\n' });
  const four = await run('127.0.0.4', 1);
  t.equal(four.status, 3);
  t.match(four.text, /RULE=four/);
  t.same(await run('127.0.0.4', 2), { status: 100, text: '421 one only\r\n' }, 'the rule\'s C limit and message');
  t.same(await run('127.0.0.5', 6), { status: 100, text: 'busy\r\n' }, "-C's own limit");
  const log = h.stdout.text();
  t.match(log, /deny 10 mx\.test:127\.0\.0\.1 ::127\.0\.0\.2:\d+ .*rules\.cdb\/127\.0\.0\.2\n/);
  t.match(log, /exec 10 mx\.test:127\.0\.0\.1 ::127\.0\.0\.3:\d+ .*rules\.cdb\/127\.0\.0\.3: echo "554 no"\n/);
  t.match(log, /concurrency 10 127\.0\.0\.4 2\/1\n.*deny 10 .*rules\.cdb\/127\.0\.0\.4: \+RULE=four,C1:421 one only\\r\\n\n/);
  t.match(log, /concurrency 10 127\.0\.0\.5 6\/5\n.*deny 10 mx\.test:127\.0\.0\.1 ::127\.0\.0\.5:\d+ .*rules\.cdb\/\n/, 'no match: the cdb path and a slash');
});

t.test('drops: unreadable rules, a program that does not exist, a failed local name lookup', async (t) => {
  const unreadable = harness({ programs: { first: echoEnv }, rules: new CdbRules(join(dir, 'missing.cdb')) });
  let c = await connection();
  t.equal((await new Session(unreadable.listener, 11, c.server, 1).run()).status, 111);
  t.equal(unreadable.stderr.text(), `mailfront-tcpsvd: drop: unable to read: ${join(dir, 'missing.cdb')}: file does not exist\n`);
  c.close();
  const missing = harness({ program: ['no-such-program'] });
  c = await connection();
  t.equal((await new Session(missing.listener, 12, c.server, 1).run()).status, 111);
  t.equal(missing.stderr.text(), 'mailfront-tcpsvd: drop: unable to run: no-such-program: file does not exist\n');
  c.close();
  const noName = harness({ programs: { first: echoEnv }, argv: ['-v'], lookups: { name: async () => Promise.reject(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })) } });
  c = await connection();
  t.equal((await new Session(noName.listener, 13, c.server, 1).run()).status, 111);
  t.equal(noName.stderr.text(), 'mailfront-tcpsvd: drop: unable to look up local hostname: ECONNREFUSED\n');
  c.close();
});

t.test('-h/-p: the client\'s name in TCPREMOTEHOST and the decision line; a failed lookup only warns', async (t) => {
  const named = harness({
    programs: { first: echoEnv },
    argv: ['-v', '-p', '-l', 'mx.test'],
    lookups: { name: async (ip) => (ip === '127.0.0.1' ? 'client.example' : Promise.reject(Object.assign(new Error(), { code: 'ETIMEOUT' }))), addresses: async () => ['127.0.0.1'] },
  });
  let c = await connection();
  let seen = received(c.client);
  c.client.end('x\r\n');
  await new Session(named.listener, 14, c.server, 1).run();
  t.match(await seen, /TCPREMOTEHOST=client\.example/);
  t.match(named.stdout.text(), /start 14 mx\.test:127\.0\.0\.1 :client\.example:127\.0\.0\.1:/);
  c = await connection('127.0.0.6');
  seen = received(c.client);
  c.client.end('x\r\n');
  await new Session(named.listener, 15, c.server, 1).run();
  t.match(await seen, /TCPREMOTEHOST=-/);
  t.match(named.stderr.text(), 'mailfront-tcpsvd: warning: unable to look up hostname: 127.0.0.6: ETIMEOUT\n');
});

t.test('a program that throws ends its session only, with 421 where SMTP is spoken', async (t) => {
  const broken = async () => {
    throw new Error('plugin bug');
  };
  const h = harness({ programs: { first: { main: broken, crashReply: '421 4.3.0 Internal error, closing connection.\r\n' } } });
  const c = await connection();
  const seen = received(c.client);
  const session = new Session(h.listener, 16, c.server, 1);
  t.equal((await session.run()).status, 111);
  t.equal(await seen, '421 4.3.0 Internal error, closing connection.\r\n');
  t.match(h.stderr.text(), /^first\[16\]: Fatal: internal error: Error: plugin bug \| /);
  session.crash(new Error('again'));
  t.equal(h.stderr.text().split('\n').length, 2, 'a session crashes once');
});

t.test('the session io: wind-down signal and session id', async (t) => {
  let seenIo: Io | undefined;
  const h = harness({
    programs: {
      first: async (_argv: string[], _env: Env, io: Io) => {
        seenIo = io;
        return 0;
      },
    },
  });
  const c = await connection();
  await new Session(h.listener, 17, c.server, 1).run();
  t.equal(seenIo?.session?.id, 17);
  t.equal(seenIo?.stdin, seenIo?.stdout, 'one socket for both directions');
  t.notOk(seenIo?.session?.windDown.aborted);
  h.stop.abort();
  t.ok(seenIo?.session?.windDown.aborted);
  await t.rejects(seenIo!.session!.runNext([], {}), /no program given/);
});
