/**
 * greetwait SECONDS PROGRAM [ARGS...]: holds the SMTP greeting back for
 * SECONDS. SMTP is server-speaks-first (RFC 5321 §3.1), so a client that
 * sends anything before the greeting is broken or a bulk sender that does
 * not listen: it gets `554 5.7.1 …` and the connection is closed, logged as
 * an early talker with its address. A client that waits is handed to
 * PROGRAM (the SMTP server, which sends the greeting) with nothing lost; a
 * client that leaves during the wait is logged apart.
 *
 * GREETWAIT, when set, replaces SECONDS; empty turns the wait off, so a
 * tcpsvd rule `+GREETWAIT=` exempts known senders (as `+RBLSMTPD=` does
 * for rblsmtpd).
 */
import {
  ConfigError,
  createLogger,
  envDuration,
  escapeLogText,
  EXIT_TEMPORARY,
  EXIT_USAGE,
  handOffOrFail,
  Output,
  parseCli,
  sessionPid,
  ucspiFromEnv,
  type CliSpec,
  type Env,
  type ExecOptions,
  type Io,
} from '@mailfront/core';
import pkg from '../package.json' with { type: 'json' };
import { DeadlineQueue } from './deadlines.js';
import { descriptorInput, streamInput, type GreetInput } from './input.js';

export const PROGRAM = 'greetwait';
/** The reply to an early talker, in place of the greeting. */
export const EARLY_TALKER_REPLY = '554 5.7.1 Protocol violation: you talked before my greeting; closing connection.\r\n';
export const EXIT_REFUSED = 1;
/** After the 554, input is read and dropped this long, so that closing with unread input (a TCP reset) cannot destroy the reply. */
export const DRAIN_MS = 2000;
/** How much of the early talk is shown in the log. */
const SHOWN_BYTES = 100;
/** Longest wait accepted (postscreen's default is 6 s). */
const MAX_WAIT_MS = 300_000;

export const spec: CliSpec = {
  program: PROGRAM,
  version: pkg.version,
  synopsis: 'SECONDS PROGRAM [ARGS...]',
  description: `Holds the SMTP greeting back for SECONDS (2, 2.5, or 500ms). A
client that sends anything before then gets "554 5.7.1" and is disconnected;
a patient one is handed to PROGRAM, which greets it. $GREETWAIT, when set,
replaces SECONDS; empty: no wait.`,
  minArgs: 2,
};

/** In mailfront-tcpsvd every waiting session of the process shares this one scheduler. */
const sharedQueue = new DeadlineQueue();

export interface MainOptions {
  /** Exec mode: watch this descriptor (bin.ts: 0) byte by byte. Otherwise io.stdin. */
  descriptor?: number;
  /** For tests: the execve to hand off with. */
  execve?: ExecOptions['execve'];
  /** For tests: the scheduler of listen-mode waits. */
  queue?: DeadlineQueue;
}

/** Seconds with up to three decimals (`2.5`), or a whole number with ms, s or m (`500ms`). */
function waitFrom(argument: string, env: Env): number {
  const value = env.GREETWAIT !== undefined ? env.GREETWAIT.trim() : argument;
  if (value === '') return 0;
  const decimal = /^([0-9]{1,6})\.([0-9]{1,3})$/.exec(value);
  const ms = decimal ? Number(decimal[1]) * 1000 + Number(decimal[2]!.padEnd(3, '0')) : undefined;
  if (ms !== undefined && ms <= MAX_WAIT_MS) return ms;
  return envDuration({ GREETWAIT: value }, 'GREETWAIT', 0, { max: MAX_WAIT_MS });
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export async function main(argv: string[], env: Env, io: Io, options: MainOptions = {}): Promise<number> {
  const cli = parseCli(spec, argv, io.stdout, io.stderr);
  if (cli.kind === 'exit') return cli.code;
  const [secondsArgument, ...program] = cli.args as [string, ...string[]];
  const log = createLogger(PROGRAM, io.stderr, sessionPid(io));
  let waitMs: number;
  try {
    waitMs = waitFrom(secondsArgument, env);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    const fromEnv = env.GREETWAIT !== undefined;
    log.fatal(fromEnv ? e.message : `SECONDS "${secondsArgument}" is not a duration up to ${MAX_WAIT_MS / 1000} s`);
    return fromEnv ? EXIT_TEMPORARY : EXIT_USAGE;
  }
  const run = () => handOffOrFail(program, env, io, (message) => log.fatal(message), { execve: options.execve });
  if (waitMs === 0) return run();

  const input: GreetInput = options.descriptor !== undefined ? descriptorInput(options.descriptor) : streamInput(io.stdin, options.queue ?? sharedQueue);
  const client = ucspiFromEnv(env).remoteIp ?? 'unknown';
  const started = Date.now();
  const outcome = await input.wait(waitMs);
  if (outcome === 'quiet') return run();
  if (outcome === 'closed') {
    log.info(`${client} disconnected after ${seconds(Date.now() - started)}, before the greeting`);
    return 0;
  }
  return refuse(input, outcome, io, (said) => log.info(`early talker ${client} after ${seconds(Date.now() - started)}: "${said}"`));
}

/** The 554, then the input drained for a moment, so the reply is not lost to a reset. */
async function refuse(input: GreetInput, first: Buffer, io: Io, logEarly: (said: string) => void): Promise<number> {
  let shown = first;
  // What arrived with the first bytes, for the log line (no real wait).
  const more = shown.length < SHOWN_BYTES ? await input.next(20) : null;
  if (more) shown = Buffer.concat([shown, more]);
  logEarly(escapeLogText(shown.subarray(0, SHOWN_BYTES).toString('latin1')) + (shown.length > SHOWN_BYTES ? '…' : ''));
  const output = new Output(io.stdout);
  output.write(EARLY_TALKER_REPLY);
  await output.flush();
  const until = Date.now() + DRAIN_MS;
  while (Date.now() < until && (await input.next(until - Date.now())) !== null);
  return EXIT_REFUSED;
}
