/**
 * The pieces rules are keyed by: IPv4 octets, host names and environment
 * variable names. tcpsvd and tcpserver look up exactly the text forms they
 * produce themselves (dotted decimal without leading zeros, the DNS name),
 * so a key in any other form is dead: it can never match. Such keys are
 * refused here rather than compiled into a rule that silently does nothing.
 */

/** A decimal octet as tcpsvd/tcpserver print it: 0..255, no leading zero. */
export function isOctet(text: string): boolean {
  return /^(0|[1-9][0-9]{0,2})$/.test(text) && Number(text) <= 255;
}

const LABEL = /^[A-Za-z0-9_-]{1,63}$/;
const MAX_HOST_LENGTH = 253;

/** A DNS host name (or a suffix of one): letters, digits, `-`, `_`, dots between labels. */
export function isHostName(text: string): boolean {
  return text.length <= MAX_HOST_LENGTH && text.split('.').every((label) => LABEL.test(label));
}

/**
 * An environment variable name as programs read them: a letter or `_`, then
 * letters, digits or `_`. (The C tools take any text without `=`, so a typo
 * like `RELAY CLIENT` would set a variable nobody reads.)
 */
export function isVariableName(text: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(text);
}

/** Why a line cannot be a rule at all, or undefined: NUL or CR inside it. */
export function forbiddenByte(line: string): string | undefined {
  if (line.includes('\0')) return 'NUL byte in the line';
  if (line.includes('\r')) return 'carriage return in the line (DOS line ends? the C tools would keep it as part of the value)';
  return undefined;
}
