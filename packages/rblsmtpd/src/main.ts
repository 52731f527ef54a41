/**
 * rblsmtpd: refuses SMTP clients that RBLSMTPD or a DNS list names, and
 * execs the SMTP server for the others. A drop-in for ucspi-tcp 0.88's
 * rblsmtpd (docs/rblsmtpd.md lists every difference).
 *
 * Log lines keep the original's form, `rblsmtpd: IP pid N: 451 reason`, not
 * the `program[pid]:` form of the other binaries: log filters written for
 * rblsmtpd (fail2ban, qmailanalog-style scripts) match on it.
 */
import { ConfigError, countFor, envDuration, escapeLogText, EXIT_TEMPORARY, EXIT_USAGE, handOffOrFail, parseCli, sessionPid, ucspiFromEnv, type CliSpec, type Env, type ExecOptions, type Io } from '@mailfront/core';
import { DnsblNameError, normaliseZone, reversedAddress } from '@mailfront/dnsbl';
import pkg from '../package.json' with { type: 'json' };
import { consultLists, planSteps, verdictFromVariable, type Verdict } from './decision.js';
import { createListLookup } from './lookup.js';
import { holdRefusal, refusalLine } from './refusal.js';

export const PROGRAM = 'rblsmtpd';
/** The original's default length of the refusal conversation. */
const DEFAULT_TIMEOUT_SECONDS = 60;
/** setTimeout's limit (about 24.8 days); longer -t values are cut to it. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;
/** Time for one DNS lookup (A and TXT run side by side), RBLSMTPD_DNS_TIMEOUT. */
const DEFAULT_DNS_TIMEOUT_MS = 5000;

export const spec: CliSpec = {
  program: PROGRAM,
  version: pkg.version,
  synopsis: '[-b] [-B] [-c] [-C] [-t SECONDS] [-r ZONE]... [-a ZONE]... PROGRAM [ARGS...]',
  description: `Refuses the SMTP client when $RBLSMTPD or a DNS list says so, otherwise runs
PROGRAM in its place. RBLSMTPD empty: accept; "-text": refuse with 553 text;
other text: refuse with 451 text; unset: ask the lists, in command-line order.`,
  options: [
    { name: 'permanent', short: 'b', description: 'refuse listed clients with 553 (permanent) from here on' },
    { name: 'temporary', short: 'B', description: 'refuse listed clients with 451 (temporary, the default)' },
    { name: 'fail-closed', short: 'c', description: 'a failed lookup refuses (-r) or does not accept (-a)' },
    { name: 'fail-open', short: 'C', description: 'a failed lookup is ignored (the default)' },
    { name: 'timeout', short: 't', value: 'SECONDS', description: 'length of the refusal conversation (default 60; 0: one line)' },
    { name: 'rbl', short: 'r', value: 'ZONE', repeat: true, description: 'refuse clients this DNS list lists' },
    { name: 'anti-rbl', short: 'a', value: 'ZONE', repeat: true, description: 'accept clients this DNS list lists' },
  ],
  minArgs: 1,
};

export interface MainOptions {
  /** The pid written in log lines (tests); by default the pid, or the session id in listen mode. */
  pid?: number;
  /** Passed to execProgram in exec mode: a stand-in for process.execve (tests must not be replaced). */
  execve?: ExecOptions['execve'];
}

export async function main(argv: string[], env: Env, io: Io, options: MainOptions = {}): Promise<number> {
  const cli = parseCli(spec, argv, io.stdout, io.stderr);
  if (cli.kind === 'exit') return cli.code;
  const pid = options.pid ?? sessionPid(io);
  const remoteIp = ucspiFromEnv(env).remoteIp;
  const log = (text: string) => io.stderr.write(`${PROGRAM}: ${escapeLogText(remoteIp ?? '')} pid ${pid}: ${escapeLogText(text)}\n`);
  const fatal = (text: string, code: number) => {
    io.stderr.write(`${PROGRAM}: fatal: ${escapeLogText(text)}\n`);
    return code;
  };

  const timeout = String(cli.options.timeout ?? DEFAULT_TIMEOUT_SECONDS);
  if (!/^[0-9]+$/.test(timeout)) return fatal(`-t needs a number of seconds, not "${timeout}"`, EXIT_USAGE);
  const steps = planSteps(cli.given);
  try {
    for (const step of steps) step.zone = normaliseZone(step.zone);
  } catch (e) {
    if (e instanceof DnsblNameError) return fatal(e.message, EXIT_USAGE);
    throw e;
  }

  let verdict: Verdict = verdictFromVariable(env.RBLSMTPD);
  if (verdict.kind === 'undecided' && steps.length > 0) {
    let lookup;
    try {
      lookup = createListLookup(remoteIp !== undefined && reversedAddress(remoteIp) !== undefined ? remoteIp : undefined, {
        dnsCacheIp: env.DNSCACHEIP,
        timeoutMs: envDuration(env, 'RBLSMTPD_DNS_TIMEOUT', DEFAULT_DNS_TIMEOUT_MS, { min: 1, max: 600_000 }),
      });
    } catch (e) {
      if (e instanceof ConfigError || e instanceof RangeError) return fatal(e.message, EXIT_TEMPORARY);
      throw e;
    }
    verdict = await consultLists(steps, {
      // A block list that lists the client is a hit for mailfront-tcpsvd's metrics (nothing in exec mode).
      lookup: (step) =>
        lookup.check(step).then((result) => {
          if (step.kind === 'block-list' && result.status === 'listed') countFor(io, `dnsbl_hits:${step.zone}`);
          return result;
        }),
      cancel: lookup.cancel,
      warn: (step, result, failingClosed) => log(`warning: ${step.zone}: ${result.detail}; ${consequence(step.kind, failingClosed)}`),
    });
  }

  if (verdict.kind === 'block') {
    const refusal = refusalLine(verdict.code, verdict.reason);
    log(refusal);
    const end = await holdRefusal(io, refusal, Math.min(Number(timeout) * 1000, MAX_TIMEOUT_MS), io.session?.windDown);
    // Time is up (or the listener is stopping): drop the connection at once, as the original's alarm does, even with replies unread.
    if (end === 'timeout') for (const stream of [io.stdin, io.stdout]) stream.destroy();
    return 0;
  }

  return handOffOrFail(cli.args, env, io, (message) => fatal(message, EXIT_TEMPORARY), { execve: options.execve });
}

/** What a failed lookup means for the client, for the log. */
function consequence(kind: 'block-list' | 'allow-list', failClosed: boolean): string {
  if (kind === 'block-list') return failClosed ? 'refusing (-c)' : 'ignoring this list (-C)';
  return failClosed ? 'ignoring this list (-c)' : 'accepting (-C)';
}
