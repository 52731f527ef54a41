/** A qmail home whose bin/qmail-queue saves the message (fd 0) and the envelope (fd 1) it is given. */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scratchDir } from '@mailfront/testkit';
import { CLIENT } from './dialog.js';

export function queueCapture(t: { teardown(fn: () => void): void }) {
  const home = scratchDir(t);
  mkdirSync(join(home, 'bin'));
  const qq = join(home, 'bin', 'qmail-queue');
  writeFileSync(qq, '#!/bin/sh\ncat > "$OUT/msg"\ncat <&1 > "$OUT/env"\nexit 0\n');
  chmodSync(qq, 0o755);
  const out = join(home, 'out');
  mkdirSync(out);
  const read = (name: 'msg' | 'env') => (existsSync(join(out, name)) ? readFileSync(join(out, name)) : undefined);
  return { read, env: { ...CLIENT, QMAILHOME: home, OUT: out } };
}
