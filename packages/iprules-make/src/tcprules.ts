/**
 * tcprules syntax compiled into the records of the cdb that `tcpserver -x`
 * reads, with tcprules' encoding (reference §2.8): one rule per line,
 *
 *   ADDRESS:allow|deny[,NAME=<q>value<q>]...
 *
 * where <q> is any one character that also closes the value. The value of a
 * record is `D\0` for deny (nothing for allow), then `+NAME=value\0` for each
 * variable. A range in one octet (1.2.3.10-20, 10.2-3.) becomes one record
 * per value, as tcprules makes them.
 *
 * Stricter than tcprules, which silently compiles rules that can never match
 * or never skips them: a line without `:`, an address tcpserver never looks
 * up (10.0 without its final dot, 1.2.3.07), an empty or reversed range, a
 * bad variable name, a NUL or a CR, are errors naming the line.
 */
import { forbiddenByte, isHostName, isOctet, isVariableName } from './addresses.js';
import type { CdbRecord } from './ipsvd.js';
import { quote, type Problems } from './problems.js';

const ADDRESS_FORMS =
  'expected an IPv4 address (1.2.3.4), a prefix ending in a dot (10.0.), a range (1.2.3.10-20, 10.2-3.), =host, =.suffix, =, USER@ADDRESS or nothing';

export function compileTcprules(text: string, file: string, problems: Problems): CdbRecord[] {
  const records: CdbRecord[] = [];
  const firstLine = new Map<string, number>();
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  lines.forEach((raw, i) => {
    const number = i + 1;
    const error = (message: string) => problems.error(file, number, message);
    // As tcprules: trailing blanks go; `#` in column 1 is a comment. Indented comments are comments too.
    const line = trimBlanksAtEnd(raw);
    if (line === '' || isComment(line)) return;
    const bad = forbiddenByte(line);
    if (bad) return error(bad);
    const colon = line.indexOf(':');
    if (colon === -1) return error(`no ":" in ${quote(line)} (tcprules would skip this line silently)`);
    const keys = expandAddress(line.slice(0, colon));
    if (typeof keys === 'string') return error(`bad address ${quote(line.slice(0, colon))}: ${keys}`);
    const value = parseInstructions(line.slice(colon + 1));
    if (typeof value === 'string') return error(`${value} in ${quote(line)}`);
    for (const key of keys) {
      const earlier = firstLine.get(key);
      if (earlier !== undefined) problems.warn(file, number, `address ${quote(key)} was already given on line ${earlier}: tcpserver uses the first rule only`);
      else firstLine.set(key, number);
      records.push([Buffer.from(key, 'latin1'), value]);
    }
  });
  return records;
}

/** `allow`/`deny` and the variables after it, as the record value; a string says what is wrong. */
export function parseInstructions(text: string): Buffer | string {
  const action = /^(allow|deny)/.exec(text)?.[1];
  if (!action) return 'expected allow or deny after the address';
  let value = action === 'deny' ? 'D\0' : '';
  let rest = text.slice(action.length);
  while (rest !== '') {
    if (rest[0] !== ',') return `expected "," or the end of the line after ${action}${value === '' ? '' : ' and its variables'}`;
    const eq = rest.indexOf('=');
    if (eq === -1) return 'a variable needs NAME=<q>value<q>';
    const name = rest.slice(1, eq);
    if (!isVariableName(name)) return `bad variable name ${quote(name)}`;
    const delimiter = rest[eq + 1];
    const close = delimiter === undefined ? -1 : rest.indexOf(delimiter, eq + 2);
    if (close === -1) return `the value of ${name} has no closing ${delimiter === undefined ? 'quote' : quote(delimiter)}`;
    value += `+${name}=${rest.slice(eq + 2, close)}\0`;
    rest = rest.slice(close + 1);
  }
  return Buffer.from(value, 'latin1');
}

/** The keys an address stands for (several for a range), or what is wrong with it. */
export function expandAddress(address: string): string[] | string {
  if (address === '' || address === '=') return [address];
  const at = address.indexOf('@');
  if (at !== -1) {
    const target = address.slice(at + 1);
    if (at === 0 || address.slice(0, at).includes(' ')) return 'USER@ needs a user name without blanks';
    if (!isHostRule(target) && !isExactIp(target)) return 'after USER@ expected an IPv4 address (1.2.3.4) or =host';
    return [address];
  }
  if (address.startsWith('=')) return isHostRule(address) ? [address] : 'expected =host.name, =.suffix or =';
  return expandIp(address);
}

function isHostRule(text: string): boolean {
  if (!text.startsWith('=')) return false;
  const host = text.startsWith('=.') ? text.slice(2) : text.slice(1);
  return isHostName(host);
}

function isExactIp(text: string): boolean {
  const octets = text.split('.');
  return octets.length === 4 && octets.every(isOctet);
}

function expandIp(address: string): string[] | string {
  const prefix = address.endsWith('.');
  const octets = (prefix ? address.slice(0, -1) : address).split('.');
  if (prefix ? octets.length > 3 : octets.length !== 4) return ADDRESS_FORMS;
  const ranged = octets.findIndex((o) => o.includes('-'));
  if (octets.some((o, i) => i !== ranged && !isOctet(o))) return ADDRESS_FORMS;
  if (ranged === -1) return [address];
  const [low, high, extra] = octets[ranged]!.split('-');
  if (extra !== undefined || !isOctet(low!) || !isOctet(high!)) return `a range is LOW-HIGH with two octets from 0 to 255`;
  if (Number(low) > Number(high)) return `the range ${low}-${high} is empty`;
  const keys: string[] = [];
  for (let n = Number(low); n <= Number(high); n++) {
    const key = octets.map((o, i) => (i === ranged ? String(n) : o)).join('.');
    keys.push(prefix ? key + '.' : key);
  }
  return keys;
}

/** Without its trailing spaces and tabs (a loop: the regex form is slow on long files). */
function trimBlanksAtEnd(line: string): string {
  let end = line.length;
  while (end > 0 && (line.charCodeAt(end - 1) === 0x20 || line.charCodeAt(end - 1) === 0x09)) end--;
  return end === line.length ? line : line.slice(0, end);
}

/** `#` after nothing but spaces and tabs. */
function isComment(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 0x23) return true;
    if (c !== 0x20 && c !== 0x09) return false;
  }
  return false;
}
