// The bundle in dist/, as runscripts run it, on every supported Node line
// the machine has: fd 0 is a pipe here (the socket under tcpsvd in
// test/interop). A patient client's input all reaches PROGRAM, which
// replaces greetwait; an early talker gets the 554.
import t from 'tap';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { run, supportedRuntimes, untrackedEnv } from '@mailfront/testkit';

const bundle = join(import.meta.dirname, '../dist/greetwait.js');
const program = ['/bin/sh', '-c', 'echo "pid $$"; cat; exit 4'];

t.test('--version', async (t) => {
  const r = await run(bundle, ['--version']);
  t.equal(r.stdout.toString(), 'greetwait 0.1.0\n');
});

/**
 * Starts the bundle and writes `input`: at once (an early talker), or as a
 * patient client does, once PROGRAM has greeted it (its first output).
 */
function session(node: string, input: string, patient: boolean): Promise<{ status: number | null; stdout: string; stderr: string; pid: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(node, [bundle, '300ms', ...program], { env: untrackedEnv({ PATH: '/usr/bin:/bin', TCPREMOTEIP: '192.0.2.9' }), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => {
      if (patient && stdout === '') child.stdin.end(input);
      stdout += b;
    });
    child.stderr.on('data', (b: Buffer) => (stderr += b));
    child.stdin.on('error', () => {});
    if (!patient) child.stdin.end(input);
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr, pid: child.pid! }));
  });
}

for (const { path: node, version } of supportedRuntimes()) {
  t.test(`Node ${version}: a patient client reaches PROGRAM whole, in the same process`, async (t) => {
    const r = await session(node, 'EHLO patient\r\nQUIT\r\n', true);
    t.equal(r.status, 4, r.stderr);
    t.equal(r.stdout, `pid ${r.pid}\nEHLO patient\r\nQUIT\r\n`);
    t.equal(r.stderr, '');
  });

  t.test(`Node ${version}: an early talker gets the 554 and PROGRAM never runs`, async (t) => {
    const r = await session(node, 'EHLO early\r\n', false);
    t.equal(r.status, 1);
    t.equal(r.stdout, '554 5.7.1 Protocol violation: you talked before my greeting; closing connection.\r\n');
    t.match(r.stderr, /^greetwait\[\d+\]: early talker 192\.0\.2\.9 after \d\.\d s: "EHLO early\\r\\n"\n$/);
  });
}
