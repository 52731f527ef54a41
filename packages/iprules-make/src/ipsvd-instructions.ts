/**
 * The lines of an ipsvd instructions file (an entry that is readable but
 * not executable), checked before they are compiled:
 *
 *   (empty) or #…     ignored
 *   +NAME=value       set NAME for the program (value may be empty)
 *   +NAME             remove NAME
 *   Cn[:message]      per-client concurrency limit (tcpsvd -C)
 *   =host[:forward]   allow only if host resolves to the client (0: always)
 *
 * ipsvd-cdb only warns about other lines, and tcpsvd skips them; a line that
 * does not do what its author meant is an error here. The cdb value is the
 * file's lines joined by NUL, verbatim, then `I`, exactly as ipsvd-cdb
 * writes it.
 */
import { forbiddenByte, isHostName, isVariableName } from './addresses.js';
import { quote, type Problems } from './problems.js';

/** One `=host:forward` line: the entry it forwards to must exist. */
export interface Forward {
  line: number;
  entry: string;
}

/** Checks every line; returns the entries named by `=host:forward` lines. */
export function checkInstructions(text: string, file: string, problems: Problems): Forward[] {
  const forwards: Forward[] = [];
  text.split('\n').forEach((line, i) => {
    const number = i + 1;
    const error = (message: string) => problems.error(file, number, message);
    const bad = forbiddenByte(line);
    if (bad) return error(bad);
    if (line === '' || line.startsWith('#')) return;
    switch (line[0]) {
      case '+': {
        const eq = line.indexOf('=');
        const name = eq === -1 ? line.slice(1) : line.slice(1, eq);
        if (!isVariableName(name)) error(`bad variable name ${quote(name)} in ${quote(line)}`);
        return;
      }
      case 'C':
        if (!/^C[0-9]{1,9}(:|$)/.test(line)) error(`bad concurrency instruction ${quote(line)}: expected Cn or Cn:message`);
        return;
      case '=': {
        const colon = line.indexOf(':');
        const host = colon === -1 ? line.slice(1) : line.slice(1, colon);
        if (host !== '0' && !isHostName(host)) return error(`bad host ${quote(host)} in ${quote(line)}: expected =host or =host:entry`);
        if (colon !== -1) forwards.push({ line: number, entry: line.slice(colon + 1) });
        return;
      }
      default:
        error(`unknown instruction ${quote(line)}: expected +NAME=value, +NAME, Cn[:message], =host[:entry] or #comment`);
    }
  });
  return forwards;
}

/** The cdb value of an instructions file: lines joined by NUL, then `I`. */
export function instructionsValue(text: string): Buffer {
  return Buffer.from(text.replace(/\n/g, '\0') + 'I', 'latin1');
}
