/**
 * The `queuedir` backend (reference §4.3): one file per message,
 * `sender NUL (recipient NUL)* NUL message`, written in QUEUEDIR/tmp and
 * moved to QUEUEDIR/new only when complete and on disk (fsync of the file,
 * link, fsync of the directory), so a reader of new/ never sees half a
 * message and a 250 means the message survives a crash.
 *
 * Files a killed session left in tmp/ are removed once they are 36 hours
 * old (stale-tmp.ts).
 *
 * When data comes before the envelope (QMTP, QMQP) the body waits in a
 * scratch file and is appended at message end. Unlike mailfront, the NUL
 * that ends the envelope is written in that case too. When a plugin keeps
 * the message in the temporary file (NEED_FILE), the message is copied from
 * that file at message end, as qmail's backend reads it, so injected headers
 * and a plugin's rewrite (mailauth's results, a scanner's headers) are kept.
 */
import { open, link, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { MessageFile } from '../engine/message-file.js';
import type { BackendModule } from '../engine/plugin.js';
import type { Response } from '../engine/response.js';
import type { Session } from '../engine/session.js';
import { binaryBytes } from '../util/binary-string.js';
import { sweepStaleFiles } from './stale-tmp.js';

const MISSING_CONFIG: Response = { code: 451, text: '4.3.0 Missing backend configuration parameter' };
const CREATE_FAILED: Response = { code: 451, text: '4.3.0 Error creating queue file' };
const WRITE_FAILED: Response = { code: 451, text: '4.3.0 Error writing queue file' };

interface QueueSettings {
  base: string;
  tmp: string;
  dest: string;
  sync: boolean;
}

/** Settings under a prefix (QUEUEDIR, or RBL_QUEUEDIR for the rbl plugin's capture mode). */
function settings(session: Session, prefix: string): QueueSettings | undefined {
  const base = session.getenv(prefix);
  if (base === undefined || base === '') return undefined;
  return {
    base,
    tmp: session.getenv(`${prefix}_TMP`) ?? 'tmp',
    dest: session.getenv(`${prefix}_DEST`) ?? 'new',
    sync: !session.isSet(`${prefix}_NOSYNC`),
  };
}

/**
 * The last clock value used for a name. Deliberately per process, not per
 * session: under mailfront-tcpsvd many sessions share the pid in the name,
 * and only a process-wide counter keeps their names apart.
 */
let lastMicros = 0;

/** `<seconds>.<microseconds>.<pid>`; the clock part never repeats within a process. */
function uniqueName(): string {
  const micros = Math.max(Math.floor((performance.timeOrigin + performance.now()) * 1000), lastMicros + 1);
  lastMicros = micros;
  const fraction = String(micros % 1e6).padStart(6, '0');
  return `${Math.floor(micros / 1e6)}.${fraction}.${process.pid}`;
}

/** Links tmp into dest under its name, or under a fresh one if that is taken there. */
async function linkUnique(tmpPath: string, destDir: string, name: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await link(tmpPath, join(destDir, attempt === 0 ? name : uniqueName()));
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt === 5) throw e;
    }
  }
}

async function fsyncDirectory(path: string): Promise<void> {
  const dir = await open(path, 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

export function queuedirBackend(prefix = 'QUEUEDIR', name = 'queuedir'): BackendModule {
  return {
    name,
    create(ctx) {
      const { session } = ctx;
      let config: QueueSettings | undefined;
      let file: FileHandle | undefined;
      let tmpPath: string | undefined;
      let fileName = '';
      /** The body, when it came before the envelope. */
      let early: MessageFile | undefined;
      /** NEED_FILE: the message is read from the engine's file at message end. */
      let fromFile = false;
      let wroteSeparator = false;
      /** The background sweep of tmp/ started by this session, awaited at close. */
      let sweeping: Promise<void> | undefined;

      const write = async (bytes: Buffer): Promise<Response | undefined> => {
        try {
          await file!.write(bytes);
          return undefined;
        } catch {
          return WRITE_FAILED;
        }
      };

      /** Drops the unfinished queue file (the early body stays: QMTP sends it before the sender). */
      const discardFile = async () => {
        await file?.close().catch(() => {});
        file = undefined;
        if (tmpPath) await unlink(tmpPath).catch(() => {});
        tmpPath = undefined;
        wroteSeparator = false;
      };
      const discard = async () => {
        early?.close();
        early = undefined;
        await discardFile();
      };

      return {
        reset: async () => {
          await discard();
          return undefined;
        },
        async sender(arg) {
          await discardFile();
          config = settings(session, prefix);
          if (!config) return MISSING_CONFIG;
          sweeping ??= sweepStaleFiles(join(config.base, config.tmp), session.log);
          fileName = uniqueName();
          tmpPath = join(config.base, config.tmp, fileName);
          try {
            file = await open(tmpPath, 'wx', 0o666);
          } catch (e) {
            tmpPath = undefined;
            session.log.warn(`cannot create queue file: ${(e as Error).message}`);
            return CREATE_FAILED;
          }
          return write(binaryBytes(`${arg.address}\0`));
        },
        async recipient(arg) {
          if (!file) return undefined;
          return write(binaryBytes(`${arg.address}\0`));
        },
        async dataStart(messageFile) {
          fromFile = messageFile !== undefined;
          if (fromFile) return undefined;
          if (file) {
            wroteSeparator = true;
            return write(Buffer.from([0]));
          }
          early = MessageFile.create(session.getenv('TMPDIR') ?? '/tmp');
          return undefined;
        },
        async dataBlock(block) {
          if (fromFile) return undefined;
          if (early) {
            early.append(block);
            return undefined;
          }
          return file ? write(block) : undefined;
        },
        async messageEnd(messageFile) {
          if (!file || !config || !tmpPath) return WRITE_FAILED;
          try {
            if (!wroteSeparator) await file.write(Buffer.from([0]));
            const body = fromFile ? messageFile : early;
            if (body) {
              for await (const chunk of body.stream()) await file.write(chunk as Buffer);
            }
            if (config.sync) await file.sync();
            await file.close();
            file = undefined;
            const destDir = join(config.base, config.dest);
            await linkUnique(tmpPath, destDir, fileName);
            if (config.sync) await fsyncDirectory(destDir);
            await unlink(tmpPath);
            tmpPath = undefined;
          } catch (e) {
            session.log.warn(`cannot finish queue file: ${(e as Error).message}`);
            await discard();
            return WRITE_FAILED;
          }
          early?.close();
          early = undefined;
          wroteSeparator = false;
          fromFile = false;
          return undefined;
        },
        close: async () => {
          await discard();
          await sweeping;
        },
      };
    },
  };
}
