/**
 * The differential harness of the QMTP and QMQP tests: one case runs through
 * Debian's `mailfront qmtp|qmqp …` and through our mailfront-qmtpd or
 * mailfront-qmqpd with the same environment, input and fixtures (reference
 * A.0: a fake qmail-queue, a rules file), each side with its own output
 * directory; then answers, exit statuses, logs, and what reached the queue
 * are compared. A documented difference (docs/compat-qmtp-qmqp.md) states
 * what each side answers.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Test } from 'tap';
import { scratchDir } from '@mailfront/testkit';
import { ours, theirs, type Session } from '../helpers/differential.js';

export const CLIENT = {
  TCPLOCALHOST: 'mx.example.com',
  TCPLOCALIP: '192.0.2.1',
  TCPREMOTEIP: '198.51.100.7',
  TCPREMOTEHOST: 'client.example.net',
};
/** The reference transcripts' environment (no local IP, no remote host name). */
export const TRANSCRIPT = { TCPLOCALHOST: 'mx.example.com', TCPREMOTEIP: '198.51.100.7' };

export const ns = (s: string) => `${Buffer.byteLength(s, 'latin1')}:${s},`;

export interface Case {
  name: string;
  args: string[];
  vars?: Record<string, string>;
  input: string;
  /** Compare the logs too (PIDs and program names normalised). */
  logs?: boolean;
  /** Compare what the fake qmail-queue got (message and envelope). */
  queue?: boolean;
  /** Compare the queuedir files; `nul`: ours has the envelope's NUL that mailfront leaves out. */
  queuedir?: 'same' | 'nul';
  /** A documented difference: each side's answers (and exit statuses; null: killed by a signal). */
  differs?: { ours: string; theirs: string; status?: [number | null, number | null] };
}

export interface Fixtures {
  qm: string;
  qq: string;
  rules: string;
}

/** The reference's fixtures (A.0) under a fresh directory. */
export function fixtures(dir: string): Fixtures {
  const qm = join(dir, 'qm');
  mkdirSync(join(qm, 'bin'), { recursive: true });
  const qq = join(qm, 'bin', 'fake-qq');
  writeFileSync(qq, '#!/bin/sh\ncat > "$OUT/qq.msg"\ncat <&1 > "$OUT/qq.env"\nexit ${QQEXIT:-0}\n');
  chmodSync(qq, 0o755);
  const rules = join(dir, 'rules');
  writeFileSync(rules, ':sender\ndspam@*:*:Go away\\nand stay away\nk*@trusted.example:*:Trusted sender\n:recipient\nd*:*!*:Sorry, we don\'t allow that here\n');
  return { qm, qq, rules };
}

const DATE = /\d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} -0000/g;

export interface Side {
  session: Session;
  msg?: string;
  env?: string;
  stored: string[];
}

async function side(run: (vars: Record<string, string>) => Promise<Session>, c: Case, dir: string): Promise<Side> {
  const out = join(dir, 'out');
  mkdirSync(out, { recursive: true });
  const vars: Record<string, string> = { ...(c.vars ?? CLIENT), OUT: out };
  if (c.queuedir) {
    for (const sub of ['tmp', 'new']) mkdirSync(join(out, sub));
    Object.assign(vars, { QUEUEDIR: out, QUEUEDIR_NOSYNC: '1' });
  }
  const session = await run(vars);
  const read = (name: string) => (existsSync(join(out, name)) ? readFileSync(join(out, name), 'latin1') : undefined);
  const stored = c.queuedir ? readdirSync(join(out, 'new')).sort().map((n) => readFileSync(join(out, 'new', n), 'latin1')) : [];
  return { session, msg: read('qq.msg')?.replace(DATE, 'DATE'), env: read('qq.env'), stored: stored.map((s) => s.replace(DATE, 'DATE')) };
}

/** Both sides of one case: `mailfront PROTOCOL …` and our BINARY. */
export async function runBoth(t: Test, mailfront: string, protocol: 'qmtp' | 'qmqp', c: Case): Promise<[Side, Side]> {
  const dir = scratchDir(t);
  const binary = `mailfront-${protocol}d`;
  return Promise.all([
    side((vars) => ours(binary, c.args, vars, c.input), c, join(dir, 'ours')),
    side((vars) => theirs(mailfront, protocol, c.args, vars, c.input), c, join(dir, 'theirs')),
  ]);
}

/** The comparisons of one case. */
export function compare(t: Test, c: Case, [mine, c0]: [Side, Side]): void {
  if (c.differs) {
    t.equal(mine.session.stdout, c.differs.ours, 'ours, as documented');
    t.equal(c0.session.stdout, c.differs.theirs, 'mailfront 2.12, as documented');
    if (c.differs.status) t.same([mine.session.status, c0.session.status], c.differs.status, 'exit statuses');
  } else {
    t.equal(mine.session.stdout, c0.session.stdout, 'answers');
    t.equal(mine.session.status, c0.session.status, 'exit status');
    if (c.logs) t.equal(mine.session.stderr, c0.session.stderr, 'log lines');
  }
  if (c.queue) {
    t.equal(mine.msg, c0.msg, 'message bytes on fd 0');
    t.equal(mine.env, c0.env, 'envelope bytes on fd 1');
  }
  if (c.queuedir === 'same') t.same(mine.stored, c0.stored, 'queue files');
  if (c.queuedir === 'nul') {
    t.equal(mine.stored.length, c0.stored.length, 'as many queue files');
    t.same(mine.stored.map((s) => s.replace('\0\0', '\0')), c0.stored, 'the same files but for the NUL after the envelope');
    t.ok(mine.stored.every((s) => s.includes('\0\0')), 'ours end the envelope with a NUL');
  }
}
