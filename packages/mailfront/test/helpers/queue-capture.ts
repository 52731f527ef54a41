/** Qmail homes whose bin/qmail-queue is a shell script that saves what it is given, for the qmail backend's tests. */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scratchDir } from '@mailfront/testkit';
import { CLIENT } from './dialog.js';

/** A qmail home whose qmail-queue saves the message (fd 0) and the envelope (fd 1) and exits 0. */
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

/**
 * A qmail home whose qmail-queue also reports how it was run, each in a file
 * of out/ (read as latin1): `msg` and `env` (fd 0 and fd 1), `pwd`, `vars`
 * ("$TCPREMOTEIP|$TRICKY|$UNSET", an unset UNSET shown as "unset"), `pid`,
 * and `done` last. It exits $QQEXIT (0 when unset), or kills itself with
 * $QQSIGNAL.
 */
export function qmailQueueProbe(t: { teardown(fn: () => void): void }) {
  const home = scratchDir(t);
  mkdirSync(join(home, 'bin'));
  const qq = join(home, 'bin', 'qmail-queue');
  writeFileSync(
    qq,
    `#!/bin/sh
cat > "$OUT/msg"
cat <&1 > "$OUT/env"
pwd > "$OUT/pwd"
printf '%s|%s|%s' "$TCPREMOTEIP" "$TRICKY" "\${UNSET-unset}" > "$OUT/vars"
echo $$ > "$OUT/pid"
: > "$OUT/done"
[ -n "$QQSIGNAL" ] && kill -$QQSIGNAL $$
exit \${QQEXIT:-0}
`,
  );
  chmodSync(qq, 0o755);
  const out = join(home, 'out');
  mkdirSync(out);
  const read = (name: string) => (existsSync(join(out, name)) ? readFileSync(join(out, name), 'latin1') : undefined);
  return { home, out, read, env: { ...CLIENT, QMAILHOME: home, OUT: out } };
}
