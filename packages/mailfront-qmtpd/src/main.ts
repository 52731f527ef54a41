/**
 * mailfront-qmtpd BACKEND [PLUGIN ...]: the QMTP receiver, the equivalent of
 * `mailfront qmtp BACKEND PLUGIN ...`, run by tcpserver or tcpsvd (port 209)
 * with the connection on stdin/stdout.
 */
import type { Env, Io } from '@mailfront/core';
import { qmtp, runReceiver } from '@mailfront/mailfront';
import pkg from '../package.json' with { type: 'json' };

const DESCRIPTION = `QMTP receiver for a qmail core, run under tcpserver or tcpsvd with the
connection on stdin and stdout. BACKEND is qmail, queuedir or echo; each
PLUGIN (or colon-separated list, or $PLUGINS) checks or changes the
message: check-fqdn, counters, relayclient, cvm-validate, qmail-validate,
add-received, accept-sender and others. One answer per recipient
(QMTP_REPLIES=package: one per message, as mailfront 2.12).
See the mailfront-qmtpd page in the mailfront-ts docs.`;

export function main(argv: string[], env: Env, io: Io): Promise<number> {
  return runReceiver(qmtp, { program: 'mailfront-qmtpd', version: pkg.version, description: DESCRIPTION }, argv, env, io);
}
