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
 * In a long-lived process (mailfront-tcpsvd, `session.longLived`) the
 * message goes to a temporary file instead, and at message end one of the
 * process's small helper shells runs qmail-queue on it (queue-helper.ts):
 * a fork of the big process per message would cost more than the rest of
 * the message. Should a helper be impossible, qmail-queue is spawned as in
 * exec mode.
 *
 * A UTF-8 domain in the envelope (SMTPUTF8) goes to qmail-queue in its
 * A-label form, the form qmail-send finds in control/locals and
 * control/virtualdomains and looks up in DNS; local parts go as sent.
 */
import type { MessageFile } from '../engine/message-file.js';
import type { BackendModule } from '../engine/plugin.js';
import type { Response } from '../engine/response.js';
import { binaryBytes } from '../util/binary-string.js';
import { withAsciiDomain } from '../util/idn.js';
import { DEFAULT_QMAILHOME, isDirectory, NO_QMAIL_DIRECTORY } from './qmail-home.js';
import { EXEC_FAILED_STATUS, QmailQueueRun, type QueueOutcome } from './qmail-queue.js';
import { QQ_CRASHED, statusResponse } from './qmail-queue-status.js';
import { sharedQueueHelpers, type HelperOutcome } from './queue-helper.js';

const DEFAULT_QMAILQUEUE = 'bin/qmail-queue';

const WRITE_FAILED: Response = { code: 451, text: '4.3.0 Writing data to qmail-queue failed.' };
const NO_TEMPORARY_FILE: Response = { code: 451, text: '4.3.0 Unable to create a temporary file.' };

export const qmailBackend: BackendModule = {
  name: 'qmail',
  create(ctx) {
    const { session } = ctx;
    let envelope = '';
    let run: QmailQueueRun | undefined;
    let bytes = 0;

    /** qmail-queue's non-zero exit status as the reply (QQERRMSG_n may word it). */
    const refusal = (status: number) => statusResponse(status, session.getenv(`QQERRMSG_${status}`));

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
      if (status !== 0) return refusal(status);
      // Never acknowledge a message that did not reach qmail-queue whole.
      if (finished.writeError) return WRITE_FAILED;
      return accepted(finished.pid);
    };

    /** Long-lived process: the message kept in our own temporary file (when no plugin asked for one). */
    let ownFile: MessageFile | undefined;
    const dropOwnFile = () => {
      ownFile?.close();
      ownFile = undefined;
    };

    const accepted = (pid: number | undefined): Response => {
      const text = `2.6.0 Accepted message qp ${pid} bytes ${bytes}`;
      session.log.info(text);
      return { code: 250, text };
    };

    /** qmail-queue through a helper shell; undefined when it has to be spawned directly after all. */
    const throughHelper = async (file: MessageFile): Promise<Response | undefined> => {
      const home = session.getenv('QMAILHOME') ?? DEFAULT_QMAILHOME;
      if (!isDirectory(home)) return NO_QMAIL_DIRECTORY;
      let envelopeFile: MessageFile;
      try {
        envelopeFile = ctx.newMessageFile();
        envelopeFile.append(binaryBytes(envelope + '\0'));
      } catch (e) {
        session.log.warn(`cannot write the envelope for qmail-queue: ${(e as Error).message}`);
        return NO_TEMPORARY_FILE;
      }
      let outcome: HelperOutcome | undefined;
      try {
        outcome = await sharedQueueHelpers().run({
          program: session.getenv('QMAILQUEUE') ?? DEFAULT_QMAILQUEUE,
          cwd: home,
          env: session.exportEnv(),
          messageFd: file.readFd,
          envelopeFd: envelopeFile.readFd,
        });
      } finally {
        envelopeFile.close();
      }
      if (outcome === undefined) return undefined;
      if ('failed' in outcome) {
        session.log.warn(outcome.failed);
        return refusal(EXEC_FAILED_STATUS);
      }
      if ('signal' in outcome) return QQ_CRASHED;
      if (outcome.status !== 0) return refusal(outcome.status);
      return accepted(outcome.pid);
    };

    return {
      reset() {
        run?.abort();
        run = undefined;
        dropOwnFile();
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
        if (file) return undefined;
        if (!session.longLived) return start('pipe');
        try {
          ownFile = ctx.newMessageFile();
        } catch (e) {
          session.log.warn(`cannot create a temporary file: ${(e as Error).message}`);
          return NO_TEMPORARY_FILE;
        }
        return undefined;
      },
      async dataBlock(block) {
        bytes += block.length;
        if (ownFile) {
          try {
            ownFile.append(block);
          } catch (e) {
            session.log.warn(`cannot write the temporary file: ${(e as Error).message}`);
            dropOwnFile();
            return WRITE_FAILED;
          }
          return undefined;
        }
        // A write error is judged at message end: qmail-queue's exit status
        // says why it stopped reading (disk full, …) better than EPIPE does.
        await run?.write(block);
        return undefined;
      },
      async messageEnd(file) {
        const held = file ?? ownFile;
        try {
          if (held) {
            bytes = held.size;
            const queued = session.longLived ? await throughHelper(held) : undefined;
            if (queued) return queued;
            const failed = start(held.readFd);
            if (failed) return failed;
          }
          const current = run!;
          run = undefined;
          return answer(await current.finish(binaryBytes(envelope + '\0')), current);
        } finally {
          dropOwnFile();
        }
      },
      close() {
        run?.abort();
        dropOwnFile();
      },
    };
  },
};
