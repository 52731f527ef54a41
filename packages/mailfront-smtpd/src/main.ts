/**
 * mailfront-smtpd BACKEND [PLUGIN ...]: the SMTP receiver, the equivalent of
 * `mailfront smtp BACKEND PLUGIN ...`, run by tcpserver or tcpsvd with the
 * connection on stdin/stdout.
 */
import type { Env, Io } from '@mailfront/core';
import { runReceiver, smtp } from '@mailfront/mailfront';
import pkg from '../package.json' with { type: 'json' };

const DESCRIPTION = `SMTP receiver for a qmail core, run under tcpserver or tcpsvd with the
connection on stdin and stdout. BACKEND is qmail, queuedir or echo; each
PLUGIN (or colon-separated list, or $PLUGINS) checks or changes the
conversation: check-fqdn, counters, relayclient, cvm-validate,
qmail-validate, add-received, accept-sender and others.
See the mailfront-smtpd page in the mailfront-ts docs.`;

export function main(argv: string[], env: Env, io: Io): Promise<number> {
  return runReceiver(smtp, { program: 'mailfront-smtpd', version: pkg.version, description: DESCRIPTION }, argv, env, io);
}
