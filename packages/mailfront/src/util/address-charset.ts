/**
 * The character set of an envelope address held as a binary string: plain
 * ASCII, UTF-8 (RFC 6531 allows it with SMTPUTF8; QMTP and QMQP carry any
 * bytes), or neither. Only valid UTF-8 is accepted anywhere: overlong forms,
 * surrogates and bytes that start no character would reach queue files and
 * logs as garbage, and other MTAs refuse them.
 */
import { isUtf8 } from 'node:buffer';

export type AddressCharset = 'ascii' | 'utf8' | 'invalid';

const NON_ASCII = /[\x80-\xff]/;

export function addressCharset(address: string): AddressCharset {
  if (!NON_ASCII.test(address)) return 'ascii';
  return isUtf8(Buffer.from(address, 'latin1')) ? 'utf8' : 'invalid';
}
