import type { Protocol, ProtocolRun } from '../protocol.js';
import { NetstringLink, ProtocolDie } from '../qmtp/link.js';
import { frameResponse } from '../qmtp/replies.js';
import { qmqpConfig, type QmqpConfig } from './config.js';
import { receiveQmqpPackage } from './package.js';

/** One package, one answer, and the session is over; a second package is never read. */
async function runQmqp(run: ProtocolRun, config: QmqpConfig): Promise<number> {
  const link = new NetstringLink({ ...run, ...config });
  try {
    const reply = await receiveQmqpPackage(link, config);
    if (reply) link.send([reply]);
    return 0;
  } catch (e) {
    if (e instanceof ProtocolDie) return link.die(e);
    throw e;
  }
}

/** QMQP (reference §3.3): `mailfront-qmqpd BACKEND [PLUGIN ...]`. */
export const qmqp: Protocol<QmqpConfig> = {
  name: 'QMQP',
  configure: (env) => qmqpConfig(env),
  frame: frameResponse,
  run: runQmqp,
};
