// mailfront-tcpsvd against the real tcpsvd (ipsvd 1.0.0): the same rules
// cdb, the same options, the same clients; what the client sees, what the
// program sees and the decision lines must be the same.
import t from 'tap';
import { chmodSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LineClient, requireOracles, run, scratchDir, startDnsServer, startUcspiServer, type UcspiServer } from '@mailfront/testkit';
import { bundle, ROOT } from '../helpers/paths.js';

const dir = scratchDir(t);
const BIN = join(ROOT, 'node_modules/.bin');
const PATH = `${BIN}:/usr/bin:/bin`;

/** The program of the chain for the plain cases: what it was given, then an echo of one line. */
const SHOW = join(dir, 'show-env');
writeFileSync(
  SHOW,
  '#!/bin/sh\n' +
    'for v in PROTO TCPLOCALIP TCPLOCALPORT TCPLOCALHOST TCPREMOTEIP TCPREMOTEHOST TCPREMOTEINFO TCPCONCURRENCY RELAYCLIENT V DROPME; do\n' +
    '  eval "x=\\${$v-unset}"; echo "$v=$x"; done\n' +
    'read line; echo "read: $line"\n',
);
chmodSync(SHOW, 0o755);

const RULES = join(dir, 'rules');
mkdirSync(RULES);
const entry = (name: string, text: string, mode = 0o644) => {
  writeFileSync(join(RULES, name), text);
  chmodSync(join(RULES, name), mode);
};
entry('127.0.0.2', '', 0o000);
entry('127.0.0.3', '+RELAYCLIENT=\n+V=three\n+DROPME\n+TCPREMOTEIP=9.9.9.9\n# a comment\n');
entry('127.0.0.4', 'echo "554 no service for you"\n', 0o755);
entry('127.0.0.5', '+V=five\nC1:421 per-rule limit\\r\\n\n');
entry('127.0.0.6', '+V=six\n=0\n+V=never\n');
entry('127.0.0.7', '=nowhere.invalid\n');
entry('127.0.1', '+V=prefix\n');
entry('0', '+V=default\n');

async function compile(out: string, rules = RULES): Promise<void> {
  const r = await run(join(BIN, 'iprules-make'), [rules, out]);
  if (r.status !== 0) throw new Error(`iprules-make: ${r.stderr}`);
}

type Side = 'theirs' | 'ours';

async function serve(side: Side, tcpsvd: string, args: string[], program: string[], env: NodeJS.ProcessEnv = {}): Promise<UcspiServer> {
  const common = { program, env: { PATH, ...env }, cwd: dir };
  const server =
    side === 'theirs'
      ? await startUcspiServer({ ...common, server: tcpsvd, serverArgs: args })
      : await startUcspiServer({ ...common, server: bundle('mailfront-tcpsvd'), interpreter: process.execPath, serverArgs: ['-w', '2', ...args] });
  // startUcspiServer's probe connection is a session too: let it end before the test's own (with -v the log says when).
  if (args.some((a) => /^-v/.test(a))) await ended(server, 1);
  return server;
}

async function ended(server: UcspiServer, sessions: number): Promise<void> {
  for (let i = 0; i < 400 && (server.log().match(/ end /g) ?? []).length < sessions; i++) await new Promise((r) => setTimeout(r, 25));
}

/** What one client sees, sending one line once greeted (or at once). */
async function visit(port: number, from: string, line = 'hello'): Promise<string> {
  const c = await LineClient.connect(port, '127.0.0.1', from);
  c.send(`${line}\n`);
  const text = await c.readAll(20_000);
  c.close();
  return text.replace(/TCPREMOTEPORT=\d+/, 'TCPREMOTEPORT=P').replace(/TCPLOCALPORT=\d+/, 'TCPLOCALPORT=P');
}

/** The log without what differs by nature: the name, pids and session ids, ports, our start-up line. */
function normalise(log: string, port: number): string[] {
  return log
    .split('\n')
    // Only the listener's lines: what the program writes to stderr (a write to a client that left) depends on timing.
    .filter((l) => /^\S*tcpsvd: /.test(l) && !/: info: (chain|status|listening|sigterm|exit)/.test(l))
    .map((l) =>
      l
        .replace(/^\S*tcpsvd: /, 'SVD: ')
        .replace(/\b(pid|start|deny|exec|end|concurrency) \d+/, '$1 N')
        .replace(/:(\d+)( |$)/, (m, p: string, end: string) => (Number(p) === port ? m : `:P${end}`)),
    )
    .sort();
}

async function both(tcpsvd: string, args: string[], program: string[], clients: (port: number) => Promise<string[]>, env: NodeJS.ProcessEnv = {}) {
  const result: Record<Side, { seen: string[]; log: string[] }> = {} as never;
  for (const side of ['theirs', 'ours'] as const) {
    const server = await serve(side, tcpsvd, args, program, env);
    const seen = await clients(server.port);
    // The `end` lines come when the sessions are reaped.
    await ended(server, seen.length + 1);
    await server.stop();
    result[side] = { seen, log: normalise(server.log(), server.port) };
  }
  return result;
}

t.test('allow, deny, exec, instructions, prefixes, =host: the same for every client address', async (t) => {
  const c = requireOracles(t, ['tcpsvd']);
  if (!c) return;
  const cdb = join(dir, 'rules.cdb');
  await compile(cdb);
  const r = await both(c.tcpsvd, ['-vv', '-x', cdb], [SHOW], async (port) => {
    const seen: string[] = [];
    for (const ip of ['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.6', '127.0.0.7', '127.0.1.9']) seen.push(`${ip}: ${await visit(port, ip)}`);
    return seen;
  });
  t.same(r.ours.seen, r.theirs.seen, 'what the clients and the program saw');
  t.same(r.ours.log, r.theirs.log, 'the decision lines');
  t.match(r.ours.seen.join('\n'), /127\.0\.0\.3: PROTO=TCP[^]*TCPREMOTEIP=9\.9\.9\.9[^]*RELAYCLIENT=\nV=three\nDROPME=unset/);
  t.match(r.ours.log.join('\n'), /SVD: info: deny N mx\.test:127\.0\.0\.1 ::127\.0\.0\.2:P .*rules\.cdb\/127\.0\.0\.2/);
});

t.test('-C with and without a message, the C instruction, TCPCONCURRENCY', async (t) => {
  const c = requireOracles(t, ['tcpsvd']);
  if (!c) return;
  const cdb = join(dir, 'rules-c.cdb');
  await compile(cdb);
  for (const limit of ['2:421 too many from you\\r\\n', '2']) {
    const r = await both(c.tcpsvd, ['-v', '-C', limit, '-x', cdb], [SHOW], async (port) => {
      const seen: string[] = [];
      // As many sessions as the address may have (-C 2; the rule's C1), held open, then one more.
      for (const [ip, limit] of [['127.0.0.1', 2], ['127.0.0.5', 1]] as const) {
        const held: LineClient[] = [];
        for (let i = 0; i < limit; i++) held.push(await LineClient.connect(port, '127.0.0.1', ip));
        for (const h of held) await h.readLine();
        seen.push(`${ip} third: ${await visit(port, ip)}`);
        for (const h of held) {
          h.send('bye\n');
          seen.push(`${ip} held: ${(await h.readAll(20_000)).replace(/PORT=\d+/g, 'PORT=P')}`);
        }
      }
      return seen;
    });
    t.same(r.ours.seen, r.theirs.seen, `-C ${limit}: what the clients saw`);
    t.same(r.ours.log, r.theirs.log, `-C ${limit}: the log`);
  }
});

t.test('-c: the next connection waits unanswered for a slot', async (t) => {
  const c = requireOracles(t, ['tcpsvd']);
  if (!c) return;
  const r = await both(c.tcpsvd, ['-c', '1'], [SHOW], async (port) => {
    const first = await LineClient.connect(port);
    t.match(await first.readLine(), /^PROTO=TCP/);
    const second = await LineClient.connect(port);
    // A round trip on the first session: the second had all that time to be answered.
    first.send('ping\n');
    const firstText = await first.readAll(20_000);
    const secondLine = await second.readLine(20_000);
    second.close();
    return [`first ended with: ${firstText.split('\n').at(-2)}`, `second: ${secondLine}`];
  });
  t.same(r.ours.seen, r.theirs.seen);
  t.same(r.ours.seen, ['first ended with: read: ping', 'second: PROTO=TCP']);
});

t.test('-l and -E', async (t) => {
  const c = requireOracles(t, ['tcpsvd']);
  if (!c) return;
  for (const args of [['-l', ''], ['-l', '0'], ['-l', 'mail.example.org'], ['-E']]) {
    const r = await both(c.tcpsvd, ['-v', ...args], [SHOW], async (port) => [await visit(port, '127.0.0.1')]);
    t.same(r.ours.seen, r.theirs.seen, args.join(' '));
    t.same(r.ours.log, r.theirs.log, `${args.join(' ')}: the log`);
  }
});

t.test('-h and -p: the client\'s name from DNS ($DNSCACHEIP, port 53)', async (t) => {
  const c = requireOracles(t, ['tcpsvd']);
  if (!c) return;
  let dns;
  try {
    dns = await startDnsServer(
      {
        '1.0.0.127.in-addr.arpa': { ptr: ['client.example.test'] },
        '8.0.0.127.in-addr.arpa': { ptr: ['liar.example.test'] },
        'client.example.test': { a: ['127.0.0.1'] },
        'liar.example.test': { a: ['192.0.2.1'] },
      },
      { host: '127.53.0.1', port: 53 },
    );
  } catch (e) {
    t.pass('no test DNS server on port 53 (djbdns asks port 53 only)', { skip: (e as Error).message });
    return;
  }
  t.teardown(() => dns.stop());
  const cdb = join(dir, 'rules-h.cdb');
  const hostRules = join(dir, 'host-rules');
  mkdirSync(hostRules);
  writeFileSync(join(hostRules, 'example.test'), '+V=by-name\n');
  await compile(cdb, hostRules);
  for (const flag of ['-h', '-p']) {
    const r = await both(c.tcpsvd, ['-vv', flag, '-x', cdb], [SHOW], async (port) => [await visit(port, '127.0.0.1'), await visit(port, '127.0.0.8')], {
      DNSCACHEIP: '127.53.0.1',
    });
    t.same(r.ours.seen, r.theirs.seen, `${flag}: what the program saw`);
    t.same(r.ours.log, r.theirs.log, `${flag}: the log`);
    t.match(r.ours.seen[0], /TCPREMOTEHOST=client\.example\.test\n[^]*V=by-name/);
  }
});

t.test('a rebuilt cdb applies to the next connection, with no signal; a missing one drops', async (t) => {
  const c = requireOracles(t, ['tcpsvd']);
  if (!c) return;
  const cdb = join(dir, 'live.cdb');
  const live = join(dir, 'live');
  mkdirSync(live);
  for (const side of ['theirs', 'ours'] as const) {
    writeFileSync(join(live, '0'), '+V=one\n');
    await compile(cdb, live);
    const server = await serve(side, c.tcpsvd, ['-x', cdb], [SHOW]);
    t.match(await visit(server.port, '127.0.0.1'), /\nV=one\n/, side);
    writeFileSync(join(live, '0'), '+V=two\n');
    await compile(cdb, live);
    t.match(await visit(server.port, '127.0.0.1'), /\nV=two\n/, `${side}: rebuilt`);
    renameSync(cdb, cdb + '.away');
    t.equal(await visit(server.port, '127.0.0.1'), '', `${side}: missing cdb, closed`);
    renameSync(cdb + '.away', cdb);
    await server.stop();
    t.match(server.log(), /drop: unable to read: .*live\.cdb: file does not exist/, side);
  }
});

t.test('the seed\'s chain in-process sees the rules\' variables as it does under tcpsvd', async (t) => {
  const c = requireOracles(t, ['tcpsvd']);
  if (!c) return;
  const chainRules = join(dir, 'chain-rules');
  mkdirSync(chainRules);
  writeFileSync(join(chainRules, '127.0.0.1'), '+RELAYCLIENT=\n+RBLSMTPD=\n');
  writeFileSync(join(chainRules, '127.0.0.2'), '+RBLSMTPD=-listed here\n');
  writeFileSync(join(chainRules, '0'), '+RBLSMTPD=\n');
  const cdb = join(dir, 'chain.cdb');
  await compile(cdb, chainRules);
  const chain = ['rblsmtpd', '-t', '0', 'mailfront-smtpd', 'echo', 'check-fqdn', 'counters', 'relayclient', 'accept-sender'];
  const dialog = 'HELO c\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@elsewhere.example>\r\nQUIT\r\n';
  const r = await both(c.tcpsvd, ['-x', cdb], chain, async (port) => {
    const seen: string[] = [];
    for (const ip of ['127.0.0.1', '127.0.0.2', '127.0.0.3']) {
      const client = await LineClient.connect(port, '127.0.0.1', ip);
      client.send(dialog);
      seen.push(`${ip}: ${await client.readAll(20_000)}`);
    }
    return seen;
  });
  t.same(r.ours.seen, r.theirs.seen);
  t.match(r.ours.seen[0], /250 Recipient='b@elsewhere\.example'/, 'RELAYCLIENT from the rules lets it relay');
  t.match(r.ours.seen[1], /^127\.0\.0\.2: 553 listed here\r\n$/, 'RBLSMTPD from the rules refuses');
  t.match(r.ours.seen[2], /5\d\d /, 'no RELAYCLIENT: no relaying');
});
