/**
 * mailfront-tcpsvd: a drop-in for ipsvd's tcpsvd that runs this project's
 * programs of the chain in-process, per session, in long-lived worker
 * processes (docs/mailfront-tcpsvd.md).
 *
 * The same script is the primary (started by the supervisor) and each
 * worker (started by the primary with WORKER_MARK set and the same
 * arguments, which it parses again).
 */
import type { Env, Io } from '@mailfront/core';
import pkg from '../package.json' with { type: 'json' };
import { WORKER_MARK } from './ipc.js';
import { PROGRAM } from './log.js';
import { EXIT_USAGE, parseOptions, USAGE } from './options.js';
import { runPrimary } from './primary.js';
import type { ProcessPort } from './process-port.js';
import { runWorker } from './worker.js';

const HELP = `${USAGE.replace(/^usage:/, 'Usage:')}

Listens on host:port and runs prog for each connection, as tcpsvd does: the
same options, rules (-i dir, -x cdb from iprules-make or ipsvd-cdb),
environment and log lines. Programs of mailfront-ts in the chain (greetwait,
proxy-env, rblsmtpd, mailfront-smtpd, mailfront-qmtpd, mailfront-qmqpd) run
inside the listener, one session each; other programs are started with the
connection on fd 0/1.

  -c n       sessions at once (default 30)       -C n[:msg]  per client address
  -b n       backlog (default 20)                -u user[:group...]  ids after bind
  -l name    local host name                     -i dir | -x cdb  rules
  -t sec     with -i: expire entries             -h, -p  client host name (-p: confirmed)
  -E         no TCP* variables                   -v, -vv  log to stdout
  -w n       worker processes (default: the number of CPUs)
  --metrics host:port  serve Prometheus metrics on http://host:port/metrics
             (off by default; bind it to loopback or a management network)
  --proxy-from cidr,...  only these front ends, each connection starting with
             a PROXY v1/v2 header whose client the rules, -C and the chain see

SIGTERM finishes the sessions (DRAIN_TIMEOUT, default 5 s) and exits;
SIGHUP checks every cached file again. See the mailfront-tcpsvd page in the
mailfront-ts docs.
`;

export async function main(argv: string[], env: Env, io: Io, port: ProcessPort): Promise<number> {
  const parsed = parseOptions(argv);
  switch (parsed.kind) {
    case 'help':
      io.stdout.write(HELP);
      return 0;
    case 'version':
      io.stdout.write(`${PROGRAM} ${pkg.version}\n`);
      return 0;
    case 'usage':
      io.stderr.write(`${PROGRAM}: ${parsed.problem ?? 'usage error'}\n${USAGE}\n`);
      return EXIT_USAGE;
  }
  if (env[WORKER_MARK] !== undefined) return runWorker(parsed.options, env, io, port);
  return runPrimary(parsed.options, argv, env, io, port);
}
