// No credential reaches a log line: mailfront-smtpd and mailfront-pop3d
// (the bundles) take every SASL mechanism and POP3 login, with every
// separator and case, offered or not, aborted, refused and repeated, and a
// confused client that goes on sending its base64 answers after the
// exchange ended. The whole stderr of each session must hold neither the
// password nor any part of a base64 credential (in any case) nor a CRAM-MD5
// digest. The password is checked by our cvm-pwfile on a local socket.
import t, { type Test } from 'tap';
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, scratchDir, untrackedEnv, waitFor } from '@mailfront/testkit';
import { bundle } from '../helpers/paths.js';

const USER = 'joe';
const PASSWORD = 'Secr3tPa55word';
const WRONG = 'Wr0ngPa55word';
const b64 = (s: string) => Buffer.from(s, 'latin1').toString('base64');

const SEPARATORS = [' ', '\t', '  ', ' \t ', '\x0b', '\x0c'];
const CASES = (word: string) => [word.toUpperCase(), word.toLowerCase(), word[0]!.toUpperCase() + word.slice(1).toLowerCase()];

/** Everything that carries a credential, as the client sends it. */
const secrets = new Set<string>([PASSWORD, WRONG]);
function secret(text: string): string {
  secrets.add(text);
  return text;
}

/** The SASL exchanges of one round, for a password; with `prefix` lines are SMTP-style or POP3-style alike. */
function exchanges(password: string, sep: string, auth: string, mech: (m: string) => string): string[] {
  const plain = secret(b64(`\0${USER}\0${password}`));
  const user = secret(b64(USER));
  const pass = secret(b64(password));
  const cramDigest = secret(b64(`${USER} ${createHmac('md5', password).update('<any@host>').digest('hex')}`));
  return [
    `${auth}${sep}${mech('PLAIN')}${sep}${plain}`,
    `${auth}${sep}${mech('PLAIN')}`,
    plain,
    `${auth}${sep}${mech('LOGIN')}${sep}${user}`,
    pass,
    `${auth}${sep}${mech('LOGIN')}`,
    user,
    pass,
    `${auth}${sep}${mech('CRAM-MD5')}`,
    cramDigest,
    // Aborted, then the client goes on with its answers.
    `${auth}${sep}${mech('LOGIN')}`,
    '*',
    user,
    pass,
    `${auth}${sep}${mech('PLAIN')}`,
    '*',
    plain,
    // A response that is not base64 at all: the password in clear.
    `${auth}${sep}${mech('PLAIN')}`,
    password,
    password,
  ];
}

function allRounds(verbCase: (w: string) => string[], known: string): string[] {
  const lines: string[] = [];
  for (const sep of SEPARATORS) {
    for (const auth of verbCase('AUTH')) {
      const mechCase = auth === 'AUTH' ? (m: string) => m : (m: string) => m.toLowerCase();
      lines.push(...exchanges(WRONG, sep, auth, mechCase), known);
    }
  }
  return lines;
}

/** The log may show neither secret, nor 10 characters in a row of one, in any case. */
function assertClean(t: Test, log: string, what: string): void {
  const folded = log.toLowerCase();
  const leaks: string[] = [];
  for (const s of secrets) {
    const f = s.toLowerCase();
    for (let i = 0; i + 10 <= f.length; i++) {
      if (folded.includes(f.slice(i, i + 10))) {
        leaks.push(s);
        break;
      }
    }
  }
  t.same(leaks, [], `${what}: no credential in the log`);
}

async function pwfileServer(t: Test, dir: string): Promise<string> {
  const socket = join(dir, 'pw.sock');
  writeFileSync(join(dir, 'pwfile'), `${USER}:${PASSWORD}:${process.getuid!()}:${process.getgid!()}:Joe:${dir}:/bin/sh\n`);
  const child = spawn(process.execPath, [bundle('cvm-pwfile'), `cvm-local:${socket}`], {
    env: untrackedEnv({ CVM_PWFILE_PATH: join(dir, 'pwfile') }),
    stdio: 'ignore',
  });
  t.teardown(() => {
    child.kill('SIGTERM');
  });
  await waitFor(`${socket}`, () => existsSync(socket));
  return `cvm-local:${socket}`;
}

t.test('SMTP AUTH: every mechanism, separator and case; offered or not', async (t) => {
  const dir = scratchDir(t);
  for (const sub of ['tmp', 'new']) mkdirSync(join(dir, sub));
  const cvm = await pwfileServer(t, dir);
  const base = { PATH: process.env.PATH, TCPLOCALHOST: 'mx.example.com', TCPREMOTEIP: '127.0.0.1', QUEUEDIR: dir };
  const good = b64(`\0${USER}\0${PASSWORD}`);
  secrets.add(good);
  const offered = ['EHLO client', ...allRounds(CASES, 'NOOP'), ...allRounds(CASES, 'RSET'), `AUTH PLAIN ${good}`, 'QUIT', ''].join('\r\n');
  const program = [bundle('mailfront-smtpd'), 'queuedir', 'cvm-authenticate', 'relayclient', 'accept-sender'];
  for (const [name, env] of [
    ['offered', { ...base, CVM_SASL_PLAIN: cvm, CVM_SASL_CRAM_MD5: cvm }],
    ['hidden by AUTH_REQUIRES_TLS', { ...base, CVM_SASL_PLAIN: cvm, AUTH_REQUIRES_TLS: '1' }],
    ['not configured', base],
  ] as const) {
    const r = await run(process.execPath, program, { env, input: offered, timeoutMs: 120_000 });
    const out = r.stdout.toString('latin1');
    const log = r.stderr.toString('latin1');
    t.equal(r.status, 0, `${name}: the session ends normally`);
    t.match(out, /221 2\.0\.0 Good bye\./, name);
    if (name === 'offered') {
      t.match(out, /235 2\.7\.0 Authentication succeeded\./);
      t.match(log, /SASL AUTH CRAM-MD5 failed/);
    } else {
      t.notMatch(out, /235 /);
    }
    t.match(log, /\[line hidden: sent during or after AUTH\]/, `${name}: lines after AUTH are hidden`);
    assertClean(t, log, `SMTP, AUTH ${name}`);
  }
});

t.test('POP3: USER/PASS, APOP and AUTH with every separator and case', async (t) => {
  const dir = scratchDir(t);
  for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(dir, 'Maildir', sub), { recursive: true });
  const cvm = await pwfileServer(t, dir);
  const lines: string[] = ['CAPA'];
  for (const sep of SEPARATORS) {
    for (const pass of CASES('PASS')) lines.push(`USER${sep}${USER}`, `${pass}${sep}${secret(WRONG)}`);
    for (const apop of CASES('APOP')) lines.push(`${apop}${sep}${USER}${sep}${secret(createHmac('md5', '').update(`<1.2@h>${WRONG}`).digest('hex'))}`);
  }
  lines.push(...allRounds(CASES, 'CAPA'), 'USER joe', `PASS ${PASSWORD}`, 'STAT', 'QUIT', '');
  const env = { PATH: process.env.PATH, TCPLOCALHOST: 'pop.example.com', CVM_SASL_PLAIN: cvm, CVM_SASL_CRAM_MD5: cvm };
  const r = await run(process.execPath, [bundle('mailfront-pop3d'), cvm, join(dir, 'Maildir')], { env, input: lines.join('\r\n'), timeoutMs: 120_000 });
  const out = r.stdout.toString('latin1');
  const log = r.stderr.toString('latin1');
  t.equal(r.status, 0);
  t.match(out, /\+OK 0 0\r\n/, 'the right password still logs in');
  t.match(log, /PASS XXXXXXXX/);
  t.match(log, /\[line hidden: sent during or after AUTH\]/);
  assertClean(t, log, 'POP3');
});
