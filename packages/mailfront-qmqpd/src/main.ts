/**
 * mailfront-qmqpd BACKEND [PLUGIN ...]: the QMQP receiver, the equivalent of
 * `mailfront qmqp BACKEND PLUGIN ...`, run by tcpserver or tcpsvd (port 628)
 * with the connection on stdin/stdout.
 */
import type { Env, Io } from '@mailfront/core';
import { qmqp, runReceiver } from '@mailfront/mailfront';
import pkg from '../package.json' with { type: 'json' };

const DESCRIPTION = `QMQP receiver for a qmail core, run under tcpserver or tcpsvd with the
connection on stdin and stdout; one message per connection, from trusted
clients only (QMQP has no relay control: restrict it with tcprules or
tcpsvd -x). BACKEND is qmail, queuedir or echo; each PLUGIN (or
colon-separated list, or $PLUGINS) checks or changes the message.
See the mailfront-qmqpd page in the mailfront-ts docs.`;

export function main(argv: string[], env: Env, io: Io): Promise<number> {
  return runReceiver(qmqp, { program: 'mailfront-qmqpd', version: pkg.version, description: DESCRIPTION }, argv, env, io);
}
