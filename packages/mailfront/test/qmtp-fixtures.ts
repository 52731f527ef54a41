/**
 * Shared by the QMTP and QMQP tests: sessions through the receiver, a
 * queue directory to see what was really queued, a probe plugin whose
 * hooks answer (or throw) as the environment says, and netstring builders.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Env } from '@mailfront/core';
import { scratchDir, type Teardown } from '@mailfront/testkit';
import { qmqp } from '../src/protocols/qmqp/index.js';
import { qmtp } from '../src/protocols/qmtp/index.js';
import type { Protocol } from '../src/protocols/protocol.js';
import { CLIENT, dialog, type DialogResult } from './helpers/dialog.js';

export { CLIENT, slowClient } from './helpers/dialog.js';

export const ns = (s: string) => `${Buffer.byteLength(s, 'latin1')}:${s},`;

/** A QMTP package: message (with its LF indicator unless given), sender, recipients. */
export function qmtpPackage(body: string, sender: string, recipients: string[]): string {
  return ns(body) + ns(sender) + ns(recipients.map(ns).join(''));
}

/** A QMQP package: the wrapper around message, sender, recipients. */
export function qmqpPackage(body: string, sender: string, recipients: string[]): string {
  return ns(ns(body) + ns(sender) + recipients.map(ns).join(''));
}

export function qmtpSession(args: string[], input: string | Buffer | Readable, env: Env = CLIENT): Promise<DialogResult> {
  return dialog(args, input, env, qmtp as Protocol<unknown>);
}

export function qmqpSession(args: string[], input: string | Buffer | Readable, env: Env = CLIENT): Promise<DialogResult> {
  return dialog(args, input, env, qmqp as Protocol<unknown>);
}

/** The log without the final `bytes in/out` line. */
export const events = (r: DialogResult) => r.log.filter((l) => !l.startsWith('bytes in:'));

export interface Queue {
  dir: string;
  env: Env;
  /** The files in new/, in name order. */
  files(): string[];
}

/** A queuedir backend's directory, with its QUEUEDIR settings. */
export function queue(t: Teardown): Queue {
  const dir = scratchDir(t);
  for (const sub of ['tmp', 'new']) mkdirSync(join(dir, sub));
  return {
    dir,
    env: { ...CLIENT, QUEUEDIR: dir, QUEUEDIR_NOSYNC: '1', TMPDIR: dir },
    files: () =>
      readdirSync(join(dir, 'new'))
        .sort()
        .map((n) => readFileSync(join(dir, 'new', n), 'latin1')),
  };
}

/**
 * A plugin whose hooks do what PROBE_<HOOK> says: `throw`, or a reply
 * `CODE text` (`\n` in it for a multi-line one). Recipients that start
 * with `bad` are refused with 550 whatever the variables say.
 */
export function probePlugin(t: Teardown): string {
  const file = join(scratchDir(t), 'probe.mjs');
  writeFileSync(
    file,
    `const act = (session, hook) => {
       const v = session.getenv('PROBE_' + hook);
       if (v === undefined) return undefined;
       if (v === 'throw') throw new Error(hook + ' exploded');
       return { code: Number(v.slice(0, 3)), text: v.slice(4).replace(/\\\\n/g, '\\n') };
     };
     export default { name: 'probe', create: ({ session }) => ({
       reset: () => act(session, 'RESET'),
       dataStart: () => act(session, 'DATASTART'),
       dataBlock: () => act(session, 'DATABLOCK'),
       sender: () => act(session, 'SENDER'),
       recipient: (arg) => arg.address.startsWith('bad') ? { code: 550, text: '5.1.1 No such user ' + arg.address } : act(session, 'RECIPIENT'),
       messageEnd: () => act(session, 'MESSAGEEND'),
     }) };`,
  );
  return file;
}
