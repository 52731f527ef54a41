/**
 * `patterns` (reference §5.12): refuses a message when one of its lines
 * matches a pattern of the file named by PATTERNS.
 *
 * At the start of every message PATTERNS, PATTERNS_LINEMAX and
 * PATTERNS_RESP are read from the session environment (a mailrules rule may
 * set them for one transaction); the file is read again when it changed. A
 * file that cannot be read is logged and the patterns read before are kept,
 * as in mailfront. With PATTERNS unset no pattern applies (mailfront keeps
 * the patterns of an earlier message then).
 *
 * PATTERNS_RESP is the response text of the patterns before the first `=`
 * line (mailfront documents it but never reads it). Headers injected by
 * other plugins (add-received) are not checked.
 */
import type { PluginModule } from '../../engine/plugin.js';
import type { Response } from '../../engine/response.js';
import type { Session } from '../../engine/session.js';
import { reason } from '../mailrules/lists.js';
import { LineScanner } from './line-scanner.js';
import { PatternsSource, type Pattern } from './patterns-file.js';

const PROHIBITED = 554;
const DEFAULT_RESPONSE = 'This message contains prohibited content';
const DEFAULT_LINEMAX = 256;
/** A larger PATTERNS_LINEMAX is lowered to this (it bounds memory and matching time). */
export const LINEMAX_LIMIT = 65536;

/** PATTERNS_LINEMAX: a positive whole number (blanks around it allowed); anything else is the default. */
function lineMax(session: Session): number {
  const value = session.getenv('PATTERNS_LINEMAX');
  if (value === undefined) return DEFAULT_LINEMAX;
  const match = /^[ \t]*([0-9]{1,15})[ \t]*$/.exec(value);
  const n = match ? Number(match[1]) : 0;
  if (n === 0) {
    session.log.warn(`patterns: PATTERNS_LINEMAX="${value}" is not a positive whole number, using ${DEFAULT_LINEMAX}`);
    return DEFAULT_LINEMAX;
  }
  return Math.min(n, LINEMAX_LIMIT);
}

export const patterns: PluginModule = {
  name: 'patterns',
  create({ session }) {
    const source = new PatternsSource();
    let scanner: LineScanner | undefined;
    let defaultResponse = DEFAULT_RESPONSE;

    const refuse = (found: Pattern | undefined): Response | undefined => {
      if (found === undefined) return undefined;
      scanner = undefined;
      return { code: PROHIBITED, text: found.response ?? defaultResponse };
    };

    return {
      dataStart() {
        scanner = undefined;
        const name = session.getenv('PATTERNS');
        if (name === undefined) return undefined;
        const loaded = source.load(name, (message) => session.log.warn(`patterns: ${name}: ${message}`));
        if (loaded.error !== undefined) session.log.warn(`Could not read patterns file '${name}': ${reason(loaded.error)}`);
        defaultResponse = session.getenv('PATTERNS_RESP') ?? DEFAULT_RESPONSE;
        if (loaded.patterns.length > 0) scanner = new LineScanner(loaded.patterns, lineMax(session));
        return undefined;
      },
      dataBlock(block) {
        return scanner ? refuse(scanner.scan(block.toString('latin1'))) : undefined;
      },
      messageEnd() {
        const found = scanner?.finish();
        scanner = undefined;
        return refuse(found);
      },
    };
  },
};
