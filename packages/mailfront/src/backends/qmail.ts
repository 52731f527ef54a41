/**
 * The `qmail` backend (reference §4.2): hands each message to qmail-queue
 * ($QMAILQUEUE, or bin/qmail-queue under $QMAILHOME) and answers 250 only
 * after qmail-queue has exited 0, i.e. after qmail has the message safely.
 *
 * Without a temporary file the message streams to qmail-queue as it
 * arrives; with one (NEED_FILE) qmail-queue starts at message end with the
 * file as its stdin. qmail-queue runs in $QMAILHOME; unlike mailfront, this
 * process never changes its own directory.
 *
 * A UTF-8 domain in the envelope (SMTPUTF8) goes to qmail-queue in its
 * A-label form, the form qmail-send finds in control/locals and
 * control/virtualdomains and looks up in DNS; local parts go as sent.
 */
import type { BackendModule } from '../engine/plugin.js';
import type { Response } from '../engine/response.js';
import { binaryBytes } from '../util/binary-string.js';
import { withAsciiDomain } from '../util/idn.js';
import { DEFAULT_QMAILHOME, isDirectory, NO_QMAIL_DIRECTORY } from './qmail-home.js';
import { EXEC_FAILED_STATUS, QmailQueueRun, type QueueOutcome } from './qmail-queue.js';
import { QQ_CRASHED, statusResponse } from './qmail-queue-status.js';

const DEFAULT_QMAILQUEUE = 'bin/qmail-queue';

const WRITE_FAILED: Response = { code: 451, text: '4.3.0 Writing data to qmail-queue failed.' };

export const qmailBackend: BackendModule = {
  name: 'qmail',
  create(ctx) {
    const { session } = ctx;
    let envelope = '';
    let run: QmailQueueRun | undefined;
    let bytes = 0;

    const start = (message: number | 'pipe'): Response | undefined => {
      const home = session.getenv('QMAILHOME') ?? DEFAULT_QMAILHOME;
      if (!isDirectory(home)) return NO_QMAIL_DIRECTORY;
      run = new QmailQueueRun({
        program: session.getenv('QMAILQUEUE') ?? DEFAULT_QMAILQUEUE,
        cwd: home,
        env: session.exportEnv(),
        message,
      });
      return undefined;
    };

    const answer = (outcome: QueueOutcome, finished: QmailQueueRun): Response => {
      if ('signal' in outcome) return QQ_CRASHED;
      const status = 'status' in outcome ? outcome.status : EXEC_FAILED_STATUS;
      if ('spawnError' in outcome) session.log.warn(`cannot run qmail-queue: ${outcome.spawnError.message}`);
      if (status !== 0) return statusResponse(status, session.getenv(`QQERRMSG_${status}`));
      // Never acknowledge a message that did not reach qmail-queue whole.
      if (finished.writeError) return WRITE_FAILED;
      const text = `2.6.0 Accepted message qp ${finished.pid} bytes ${bytes}`;
      session.log.info(text);
      return { code: 250, text };
    };

    return {
      reset() {
        run?.abort();
        run = undefined;
        envelope = '';
        bytes = 0;
        return undefined;
      },
      sender(arg) {
        envelope = `F${withAsciiDomain(arg.address)}\0`;
        return undefined;
      },
      recipient(arg) {
        envelope += `T${withAsciiDomain(arg.address)}\0`;
        return undefined;
      },
      dataStart(file) {
        bytes = 0;
        return file ? undefined : start('pipe');
      },
      async dataBlock(block) {
        bytes += block.length;
        // A write error is judged at message end: qmail-queue's exit status
        // says why it stopped reading (disk full, …) better than EPIPE does.
        await run?.write(block);
        return undefined;
      },
      async messageEnd(file) {
        if (file) {
          bytes = file.size;
          const failed = start(file.readFd);
          if (failed) return failed;
        }
        const current = run!;
        run = undefined;
        return answer(await current.finish(binaryBytes(envelope + '\0')), current);
      },
      close() {
        run?.abort();
      },
    };
  },
};
