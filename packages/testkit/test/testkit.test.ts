import t from 'tap';
import { existsSync } from 'node:fs';
import { findTool, freePort, LineClient, requireOracles, run, runtimeFloor, scratchDir, startUcspiServer, supportedRuntimes, testCertificate, tooOldRuntime, waitFor } from '../src/index.js';

t.test('findTool finds sh and not a made-up name', async (t) => {
  t.match(findTool('sh'), /\/sh$/);
  t.equal(findTool('no-such-program-here'), undefined);
  t.equal(findTool('/bin/sh'), '/bin/sh');
  t.equal(findTool('/nonexistent/sh'), undefined);
});

t.test('requireOracles skips off CI and fails on CI', async (t) => {
  const calls: string[] = [];
  const sink = {
    pass: (_m: string, extra: { skip: string }) => calls.push('skip ' + extra.skip),
    fail: (m: string) => calls.push('fail ' + m),
  };
  t.match(requireOracles(sink, ['sh'], { PATH: '/nonexistent' }), { sh: /^\/(usr\/)?bin\/sh$/ }, 'oracles come from the system directories, whatever PATH says');
  t.equal(requireOracles(sink, ['no-such-oracle'], { PATH: '/bin' }), undefined);
  t.equal(requireOracles(sink, ['no-such-oracle'], { PATH: '/bin', CI: 'true' }), undefined);
  t.match(calls, [/^skip .*no-such-oracle/, /^fail .*no-such-oracle/]);
});

t.test('scratchDir is removed at teardown', async (t) => {
  let dir = '';
  await t.test('inner', async (t) => {
    dir = scratchDir(t);
    t.ok(existsSync(dir));
  });
  t.notOk(existsSync(dir));
});

t.test('run collects output and status, and kills a hung program', async (t) => {
  const r = await run('/bin/sh', ['-c', 'cat; echo err >&2; exit 3'], { input: 'in' });
  t.equal(r.status, 3);
  t.equal(r.stdout.toString(), 'in');
  t.equal(r.stderr.toString(), 'err\n');
  const hung = await run('/bin/sleep', ['5'], { timeoutMs: 100 });
  t.ok(hung.timedOut);
  t.equal(hung.signal, 'SIGKILL');
  await t.rejects(run('/nonexistent/program', []));
});

t.test('run hides children from coverage unless asked', async (t) => {
  const show = ['-c', 'echo "${_TAPJS_PROCESSINFO_COVERAGE_-unset}"'];
  t.equal((await run('/bin/sh', show)).stdout.toString(), '0\n');
  t.not((await run('/bin/sh', show, { trackCoverage: true })).stdout.toString(), '0\n');
});

t.test('a program under the real tcpserver answers a line client', async (t) => {
  const oracles = requireOracles(t, ['tcpserver', 'tcpsvd']);
  if (!oracles) return;
  for (const server of [oracles.tcpserver, oracles.tcpsvd]) {
    const s = await startUcspiServer({
      server,
      program: ['/bin/sh', '-c', 'echo "220 $TCPLOCALHOST $TCPREMOTEIP ESMTP\r"; read line; echo "250-a\r"; echo "250 $line"'],
    });
    t.teardown(() => s.stop());
    const c = await LineClient.connect(s.port);
    t.same(await c.readReply(), ['220 mx.test 127.0.0.1 ESMTP'], server);
    c.send('hello\r\n');
    t.same(await c.readReply(), ['250-a', '250 hello'], 'multi-line reply');
    c.end();
    t.equal(await c.readLine(), null, 'closed by the server');
    t.equal(await c.readAll(), '');
    c.close();
  }
});

t.test('freePort gives a port', async (t) => {
  t.ok((await freePort()) > 0);
});

t.test('testCertificate makes a usable self-signed certificate and key', async (t) => {
  const { createSecureContext } = await import('node:tls');
  const { readFileSync } = await import('node:fs');
  const cert = testCertificate(t);
  t.match(readFileSync(cert.certFile, 'latin1'), /^-----BEGIN CERTIFICATE-----/);
  t.match(readFileSync(cert.bothFile, 'latin1'), /PRIVATE KEY/);
  t.ok(createSecureContext({ cert: readFileSync(cert.certFile), key: readFileSync(cert.keyFile) }));
});

t.test('supportedRuntimes: this Node first, then the installed older lines, none below the floor', async (t) => {
  const runtimes = supportedRuntimes();
  const [floorMajor, floorMinor] = runtimeFloor();
  t.same(runtimes[0], { path: process.execPath, version: process.versions.node });
  for (const r of runtimes) {
    const [major, minor] = r.version.split('.').map(Number) as [number, number];
    t.ok(major > floorMajor || (major === floorMajor && minor >= floorMinor), `${r.version} is supported`);
  }
  const old = tooOldRuntime();
  if (old) t.notOk(runtimes.some((r) => r.path === old.path), `${old.path} ${old.version} is below the floor`);
});

t.test('waitFor: until the condition holds, sync or async; a clear error at the bound', async (t) => {
  let n = 0;
  await waitFor('three calls', () => ++n >= 3);
  t.equal(n, 3);
  await waitFor('a promise', async () => true);
  await t.rejects(waitFor('the impossible', () => false, 30), { message: 'waited 0.03 s for the impossible' });
  await t.rejects(waitFor('a failing check', () => Promise.reject(new Error('broken'))), /broken/);
});
