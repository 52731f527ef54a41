/**
 * The `echo` backend (reference §4.1): delivers nothing, reports what it got.
 * Used for testing a plugin chain.
 */
import type { BackendModule } from '../engine/plugin.js';

const describe = (kind: string, address: string, params: readonly string[]) =>
  `${kind}='${address}'.` + params.map((p) => ` [${p}]`).join('');

/** The first two lines of a block run together, as mailfront's echo logs them. */
function firstTwoLines(bytes: Buffer): string {
  const text = bytes.toString('latin1');
  const lines = text.split('\n');
  return lines.slice(0, 2).join('');
}

export const echoBackend: BackendModule = {
  name: 'echo',
  create(ctx) {
    let bytes = 0;
    let first = true;
    return {
      reset() {
        bytes = 0;
        first = true;
        return undefined;
      },
      sender: (arg) => ({ code: 250, text: describe('Sender', arg.address, arg.params) }),
      recipient: (arg) => ({ code: 250, text: describe('Recipient', arg.address, arg.params) }),
      dataBlock(block) {
        if (first) {
          ctx.session.log.info(firstTwoLines(block));
          first = false;
        }
        bytes += block.length;
        return undefined;
      },
      messageEnd(file) {
        if (file) {
          ctx.session.log.info(firstTwoLines(file.read(0, 4096)));
          bytes = file.size;
        }
        const text = `Received ${bytes} bytes.`;
        bytes = 0;
        first = true;
        return { code: 250, text };
      },
    };
  },
};
