/**
 * Strict base64 for SASL responses (RFC 4648 §4, as RFC 4954 and RFC 5034
 * require): the standard alphabet, a length that is a multiple of four and
 * at most two `=` at the very end. Node's own decoder skips anything it does
 * not understand, which would turn garbage into a credential.
 */

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The decoded bytes, or undefined when the text is not valid base64. */
export function decodeBase64(text: string): Buffer | undefined {
  if (!BASE64.test(text)) return undefined;
  return Buffer.from(text, 'base64');
}

export function encodeBase64(data: string | Buffer): string {
  return (typeof data === 'string' ? Buffer.from(data, 'utf8') : data).toString('base64');
}
