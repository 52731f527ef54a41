// cvm-pwfile against Debian's: the C cvm-testclient asking the C module and
// asking ours must print the same bytes and exit with the same status, in
// command mode and through a socket server; our cvm-testclient too. Cases
// where ours is deliberately different (docs/cvm-pwfile.md) are checked
// on their own at the end.
import t from 'tap';
import type { Test } from 'tap';
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { requireOracles, run, scratchDir, untrackedEnv, waitFor } from '@mailfront/testkit';

const ROOT = resolve(import.meta.dirname, '../..');
const OURS = join(ROOT, 'packages/cvm-pwfile/dist/cvm-pwfile.js');
const OUR_TESTCLIENT = join(ROOT, 'packages/cvm-testclient/dist/cvm-testclient.js');

const PWFILE = [
  'pwfuser:testpass:123:456:Gecos,xyz:/home/ftp:/bin/false',
  'md5user:$1$abc$DZDMjXoV1djqp8PtZVbep/:234:567:Crypt:/home/crypt:/bin/true',
  'sha6user:$6$abc$WefTbXiLFaxnojbw6AkjjZ1jvYAcTniFE9cLJZ22Td9ZNk45RDja0MsPJMKrJsb7EHVn9/abaO1Hfh6mf6iFj1:1:2:S:/h:/s',
  'nogecos:pw::789:::',
  'emptypw::1:2:g:/d:/s',
  'short:pw',
  'short2:pw:1',
  'short5:pw:1:2:gecos:/dir',
  'extra:pw:1:2:g:/d:/s:more',
  'spuid:pw: 1:2:g:/d:/s',
  'plusuid:pw:+5:2:g:/d:/s',
  'hexuid:pw:0x10:2:g:/d:/s',
  'gidbad:pw:5:2x:g:/d:/s',
  'crlf:pw:1:2:g:/d:/s\r',
  'dup:first:1:1:first:/d:/s',
  'dup:second:2:2:second:/d:/s',
  'Upper:pw:1:2:g,a,b:/d:/s',
  'utf8:pw:1:2:J\u00f6rg:/d:/s',
  '',
].join('\n');

/** [account, password] (undefined: no password argument). */
const CASES: Array<[string, string | undefined]> = [
  ['pwfuser', 'testpass'], ['PWFUser', 'testpass'], ['pwfuser', 'wrong'], ['pwfuser', undefined], ['nobodyhere', 'x'],
  ['pwfuser@some.where', 'testpass'], ['md5user', 'testpass'], ['md5user', '$1$abc$DZDMjXoV1djqp8PtZVbep/'],
  ['sha6user', 'testpass'], ['nogecos', 'pw'], ['emptypw', 'x'], ['emptypw', ''], ['short', 'pw'], ['short2', 'pw'],
  ['short5', 'pw'], ['extra', 'pw'], ['spuid', 'pw'], ['plusuid', 'pw'], ['hexuid', 'pw'], ['gidbad', 'pw'],
  ['crlf', 'pw'], ['dup', 'first'], ['dup', 'second'], ['upper', 'pw'], ['utf8', 'pw'], ['pwf', 'testpass'],
  ['pwfuserx', 'testpass'], ['a'.repeat(300), 'x'], ['pwfuser', 'p'.repeat(300)],
];

async function client(program: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const r = await run(program, args, { env, timeoutMs: 30_000 });
  return `${r.stdout.toString('latin1')}--stderr--\n${r.stderr.toString('latin1')}[exit ${r.status ?? r.signal}]`;
}

async function compare(t: Test, testclient: string, theirs: string, ours: string, env: NodeJS.ProcessEnv, label: string) {
  for (const [account, password] of CASES) {
    const args = (module: string) => [module, account, '', ...(password === undefined ? [] : [password])];
    const expected = await client(testclient, args(theirs), env);
    const got = (await client(testclient, args(ours), env)).replace(/^cvm-pwfile\[\d+\]: Warning: .*\n/gm, '');
    t.equal(got, expected, `${label}: ${account.slice(0, 20)} ${password?.slice(0, 12)}`);
  }
}

function fixture(t: Test) {
  const dir = scratchDir(t, 'cvm-pwfile-');
  writeFileSync(join(dir, 'pwfile'), PWFILE);
  return { dir, env: { PATH: process.env.PATH, CVM_PWFILE_PATH: join(dir, 'pwfile') } as NodeJS.ProcessEnv };
}

async function startServer(program: string, target: string, env: NodeJS.ProcessEnv) {
  const child = spawn(program, [target], { env: untrackedEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (b: Buffer) => (log += b));
  child.stderr.on('data', (b: Buffer) => (log += b));
  const exited = new Promise((r) => child.on('exit', r));
  await waitFor(`${target} to start`, () => log.includes('Starting.') || child.exitCode !== null);
  if (!existsSync(target.slice('cvm-local:'.length))) throw new Error(`no socket: ${log}`);
  return { log: () => log, stop: () => (child.kill('SIGTERM'), exited) };
}

t.test('command mode, with every pwcmp, through the C client and ours', async (t) => {
  const c = requireOracles(t, ['cvm-pwfile', 'cvm-testclient']);
  if (!c) return;
  const { env } = fixture(t);
  for (const pwcmp of [undefined, 'plain', 'crypt']) {
    const e = pwcmp === undefined ? env : { ...env, CVM_PWFILE_PWCMP: pwcmp };
    await compare(t, c['cvm-testclient'], c['cvm-pwfile'], OURS, e, `C client, pwcmp ${pwcmp}`);
  }
  await compare(t, c['cvm-testclient'], c['cvm-pwfile'], OURS, { ...env, CVM_LOOKUP_SECRET: '' }, 'lookup mode');
  await compare(t, OUR_TESTCLIENT, c['cvm-pwfile'], OURS, env, 'our client');
  const unset = { PATH: process.env.PATH };
  t.equal(await client(c['cvm-testclient'], [OURS, 'pwfuser', '', 'testpass'], unset), await client(c['cvm-testclient'], [c['cvm-pwfile'], 'pwfuser', '', 'testpass'], unset), 'CVM_PWFILE_PATH unset');
});

t.test('socket servers', async (t) => {
  const c = requireOracles(t, ['cvm-pwfile', 'cvm-testclient']);
  if (!c) return;
  const { dir, env } = fixture(t);
  const theirs = await startServer(c['cvm-pwfile'], `cvm-local:${join(dir, 'c.sock')}`, env);
  const ours = await startServer(OURS, `cvm-local:${join(dir, 'ours.sock')}`, env);
  t.teardown(async () => {
    await theirs.stop();
    await ours.stop();
  });
  await compare(t, c['cvm-testclient'], `cvm-local:${join(dir, 'c.sock')}`, `cvm-local:${join(dir, 'ours.sock')}`, { PATH: process.env.PATH }, 'socket');
});

t.test('deliberate differences', async (t) => {
  const c = requireOracles(t, ['cvm-pwfile', 'cvm-testclient']);
  if (!c) return;
  const { dir, env } = fixture(t);
  writeFileSync(join(dir, 'odd'), ':pw:7:7:emptyname:/d:/s\nneg:pw:-1:2:g:/d:/s\ntrap:pw:1:2:g:/d:/s\nnolf:pw:3:3:g:/d:/s');
  const odd = { ...env, CVM_PWFILE_PATH: join(dir, 'odd') };
  const both = async (args: string[]) => [await client(c['cvm-testclient'], [c['cvm-pwfile'], ...args], odd), await client(c['cvm-testclient'], [OURS, ...args], odd)];
  const [cEmpty, oEmpty] = await both(['', '', 'pw']);
  t.match(cEmpty, /\[exit 0\]$/, 'C: an empty account matches a line with an empty name');
  t.match(oEmpty, /\[exit 100\]$/, 'ours: never');
  const [cNeg, oNeg] = await both(['neg', '', 'pw']);
  t.match(cNeg, /user ID: {10}18446744073709551615/, 'C: uid -1 wraps around');
  t.match(oNeg, /error #6/, 'ours: a bad entry');
  const [cColon, oColon] = await both(['trap:pw', '', '1']);
  t.match(cColon, /error #6/, 'C: "trap:pw" matches the line of trap and shifts its fields');
  t.match(oColon, /error #100/, 'ours: an account with a colon never matches');
  const [cLast, oLast] = await both(['nolf', '', 'pw']);
  t.match(cLast, /shell: {12}\/\n/, 'C: the unterminated last line loses its last byte');
  t.match(oLast, /shell: {12}\/s\n/, 'ours: kept whole');
});
