/**
 * Runs one scripted session through the C original and through ours, with
 * the same clean environment (`env -i` style) and the same input, and
 * normalises what legitimately differs between two runs: PIDs, qmail-queue
 * pids, Received dates, the program name in log lines, and our transaction
 * summary lines (`summary client=… status=…`), which the C mailfront does not
 * write: every other log line must agree. `summaries` returns them, for the
 * tests that check them.
 */
import { run, type RunResult } from '@mailfront/testkit';
import { bundle } from './paths.js';

export interface Session {
  stdout: string;
  stderr: string;
  status: number | null;
}

const BASE_ENV = { PATH: '/usr/bin:/bin' };

/** The same variables for both sides; nothing leaks in from the test's own environment. */
export function cleanEnv(vars: Record<string, string>): NodeJS.ProcessEnv {
  return { ...BASE_ENV, ...vars };
}

const SUMMARY = /^PROG\[PID\]: summary .*\n/gm;

export function normalize(text: string): string {
  return withSummaries(text).replace(SUMMARY, '');
}

function withSummaries(text: string): string {
  return text
    .replace(/^(mailfront|mailfront-smtpd|mailfront-qmtpd|mailfront-qmqpd)\[\d+\]: /gm, 'PROG[PID]: ')
    .replace(/qp \d+/g, 'qp NNNN')
    .replace(/\d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} -0000/g, 'DATE');
}

function toSession(r: RunResult): Session {
  if (r.timedOut) throw new Error('session hung: ' + r.stderr.toString());
  return { stdout: normalize(r.stdout.toString('latin1')), stderr: normalize(r.stderr.toString('latin1')), status: r.status };
}

/** `mailfront PROTOCOL ARGS...` from Debian. */
export async function theirs(mailfront: string, protocol: string, args: string[], vars: Record<string, string>, input: string | Buffer, cwd?: string): Promise<Session> {
  return toSession(await run(mailfront, [protocol, ...args], { env: cleanEnv(vars), input, cwd, timeoutMs: 30_000 }));
}

/** EHLO keywords mailfront 2.12 does not have (CHUNKING, SMTPUTF8): docs/compat.md lists them. */
const NEW_KEYWORDS = /250-(?:CHUNKING|SMTPUTF8)\r\n/g;

/**
 * Takes our EHLO keywords that mailfront lacks out of a session, and their
 * bytes out of the `bytes out:` count, so the rest compares exactly.
 */
export function withoutNewKeywords(r: RunResult): RunResult {
  const stdout = r.stdout.toString('latin1');
  const removed = (stdout.match(NEW_KEYWORDS) ?? []).join('').length;
  if (removed === 0) return r;
  const stderr = r.stderr.toString('latin1').replace(/bytes out: (\d+)$/m, (_, n: string) => `bytes out: ${Number(n) - removed}`);
  return { ...r, stdout: Buffer.from(stdout.replace(NEW_KEYWORDS, ''), 'latin1'), stderr: Buffer.from(stderr, 'latin1') };
}

/** `mailfront-smtpd ARGS...` (or -qmtpd, -qmqpd) from this repository, on the Node running the tests. */
export async function ours(binary: string, args: string[], vars: Record<string, string>, input: string | Buffer, cwd?: string): Promise<Session> {
  return toSession(withoutNewKeywords(await run(process.execPath, [bundle(binary), ...args], { env: cleanEnv(vars), input, cwd, timeoutMs: 30_000 })));
}

/** The reply lines of a session (what a client sees), split at CR LF. */
export function replies(s: Session): string[] {
  return s.stdout.split('\r\n').filter((l) => l !== '');
}

/** Our summary lines in a raw log, without the `program[pid]: summary ` prefix. */
export function summaries(log: string): string[] {
  return [...withSummaries(log).matchAll(SUMMARY)].map((m) => m[0].slice('PROG[PID]: summary '.length, -1));
}
