/**
 * iprules-make: compiles IP rules into the cdb that tcpsvd -x (an ipsvd
 * instructions directory) or tcpserver -x (a tcprules file) reads. The cdb
 * is written beside the target and renamed over it, so a server that opens
 * it per connection sees the old rules or the new ones, never half; after
 * any error the old cdb stays as it was.
 *
 * Exit status: 0 written; 100 usage error or a mistake in the rules (every
 * one is reported as FILE:LINE: message); 111 the rules or the cdb could not
 * be read or written at all (djb's temporary failure).
 */
import { readFileSync, statSync } from 'node:fs';
import { writeCdb } from '@mailfront/cdb64';
import { createLogger, parseCli, type CliSpec, type Env, type Io, type Logger } from '@mailfront/core';
import pkg from '../package.json' with { type: 'json' };
import { compileIpsvdDirectory, RulesReadError, type CdbRecord } from './ipsvd.js';
import { formatProblem, Problems } from './problems.js';
import { readStream } from './read-stream.js';
import { compileTcprules } from './tcprules.js';

export const PROGRAM = 'iprules-make';
const EXIT_RULES = 100;
const EXIT_SYSTEM = 111;
export const DEFAULT_RULES = './iprules';
export const DEFAULT_CDB = './iprules.cdb';
/** A tcprules file of a million rules is about 30 MB; more is not a rules file. */
export const MAX_TCPRULES_BYTES = 256 * 1024 * 1024;
const FORMATS = ['auto', 'ipsvd', 'tcprules'] as const;
type Format = (typeof FORMATS)[number];

export const spec: CliSpec = {
  program: PROGRAM,
  version: pkg.version,
  synopsis: '[-f auto|ipsvd|tcprules] [RULES [CDB]]',
  description: `Compiles IP rules into a cdb, atomically. RULES (default ${DEFAULT_RULES}) is an
ipsvd instructions directory, compiled for tcpsvd -x as ipsvd-cdb does, or a
file in tcprules syntax ("-": standard input), compiled for tcpserver -x as
tcprules does. CDB defaults to ${DEFAULT_CDB}.
Exit status: 0 written, 100 usage or rules error, 111 read/write failure.`,
  options: [
    { name: 'format', short: 'f', value: 'FORMAT', description: 'auto (directory: ipsvd, file: tcprules), ipsvd or tcprules' },
  ],
  maxArgs: 2,
};

class UsageProblem extends Error {}

export async function main(argv: string[], _env: Env, io: Io): Promise<number> {
  const cli = parseCli(spec, argv, io.stdout, io.stderr);
  if (cli.kind === 'exit') return cli.code;
  const log = createLogger(PROGRAM, io.stderr);
  const [rules = DEFAULT_RULES, cdb = DEFAULT_CDB] = cli.args;
  const problems = new Problems();
  let records: CdbRecord[];
  try {
    const format = chooseFormat(String(cli.options.format ?? 'auto'), rules);
    records = format === 'ipsvd' ? compileIpsvdDirectory(rules, problems) : compileTcprules(await readTcprules(rules, io), rules === '-' ? '(stdin)' : rules, problems);
  } catch (e) {
    if (e instanceof UsageProblem) return usage(log, e.message);
    if (e instanceof RulesReadError) return fatal(log, e.message, EXIT_SYSTEM);
    throw e;
  }
  report(log, problems);
  if (problems.errors > 0) {
    const count = problems.errors === 1 ? '1 error' : `${problems.errors} errors`;
    return fatal(log, `${count} in ${rules}; ${cdb} left unchanged`, EXIT_RULES);
  }
  try {
    writeCdb(cdb, records);
  } catch (e) {
    return fatal(log, `unable to write ${cdb}: ${(e as Error).message}; the old file, if any, is unchanged`, EXIT_SYSTEM);
  }
  return 0;
}

function chooseFormat(requested: string, rules: string): 'ipsvd' | 'tcprules' {
  if (!(FORMATS as readonly string[]).includes(requested)) throw new UsageProblem(`unknown format "${requested}": expected ${FORMATS.join(', ')}`);
  const format = requested as Format;
  if (rules === '-') {
    if (format === 'ipsvd') throw new UsageProblem('an ipsvd instructions directory cannot be read from standard input');
    return 'tcprules';
  }
  let isDirectory: boolean;
  try {
    isDirectory = statSync(rules).isDirectory();
  } catch (e) {
    throw new RulesReadError(`unable to read ${rules}: ${(e as Error).message}`);
  }
  const found = isDirectory ? 'ipsvd' : 'tcprules';
  if (format !== 'auto' && format !== found) {
    throw new UsageProblem(`${rules} is ${isDirectory ? 'a directory' : 'not a directory'}: the ${format} format needs ${format === 'ipsvd' ? 'a directory' : 'a file'}`);
  }
  return found;
}

async function readTcprules(rules: string, io: Io): Promise<string> {
  try {
    if (rules === '-') return (await readStream(io.stdin, MAX_TCPRULES_BYTES)).toString('latin1');
    if (statSync(rules).size > MAX_TCPRULES_BYTES) throw new Error(`larger than ${MAX_TCPRULES_BYTES} bytes`);
    return readFileSync(rules, 'latin1');
  } catch (e) {
    throw new RulesReadError(`unable to read ${rules}: ${(e as Error).message}`);
  }
}

function report(log: Logger, problems: Problems): void {
  for (const p of problems.list) {
    if (p.severity === 'warning') log.warn(formatProblem(p));
    else log.info(`error: ${formatProblem(p)}`);
  }
  if (problems.errors > problems.list.filter((p) => p.severity === 'error').length) {
    log.info(`error: … ${problems.errors} errors in all, only the first ones shown`);
  }
}

function usage(log: Logger, message: string): number {
  log.fatal(`${message}; usage: ${PROGRAM} ${spec.synopsis}`);
  return EXIT_RULES;
}

function fatal(log: Logger, message: string, code: number): number {
  log.fatal(message);
  return code;
}
