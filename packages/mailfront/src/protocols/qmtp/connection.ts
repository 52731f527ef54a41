/**
 * A QMTP session: packages back to back until the client closes
 * (reference §3.2). The end of input, or an idle timeout, between packages
 * (even part-way through the next length) ends the session normally; a
 * framing error or input cut short inside a package is a die. A listener
 * that winds down ends the session there too, as if the client had closed.
 */
import { untilWindDown, WOUND_DOWN } from '@mailfront/core';
import type { ProtocolRun } from '../protocol.js';
import type { QmtpConfig } from './config.js';
import { NetstringLink, ProtocolDie } from './link.js';
import { receivePackage } from './package.js';
import { EOF_SENDING, EXIT_DIE, INVALID_BODY, LENGTH_TOO_LONG } from './replies.js';

export async function runQmtp(run: ProtocolRun, config: QmtpConfig): Promise<number> {
  const link = new NetstringLink({ ...run, ...config });
  try {
    for (;;) {
      if (run.windDown?.aborted) return 0;
      const length = await untilWindDown(link.openingLength(config.maxMessage, INVALID_BODY, LENGTH_TOO_LONG), run.windDown);
      if (length === WOUND_DOWN) return 0;
      // An answer that could not be sent: the client went away or stopped reading.
      if (link.output.failed) {
        link.log.info(EOF_SENDING);
        return EXIT_DIE;
      }
      if (length === null) return 0;
      link.send(await receivePackage(link, config, length));
      if (!(await link.drained())) {
        link.log.info('Timed out');
        link.log.info(EOF_SENDING);
        // Give up on the client: answers still queued for it must not keep the process alive.
        link.output.abandon();
        return EXIT_DIE;
      }
    }
  } catch (e) {
    if (e instanceof ProtocolDie) return link.die(e);
    throw e;
  }
}
