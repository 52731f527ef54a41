/**
 * CVM responses: building them (module side) and checking them (client side).
 *
 * v2:  code, R, the request's R random bytes, TAG LEN VALUE facts, 00.
 * v1:  code, TAG VALUE 00 facts, 00.
 *
 * Facts may come with a failure (OUTOFSCOPE with code 100), so a client
 * reads them whatever the code.
 */
import { CVM_PACKET_MAX, CVM_VALUE_MAX, CvmCode } from './constants.js';

export interface RawFact {
  type: number;
  value: Buffer;
}

export interface EncodedResponse {
  packet: Buffer;
  /** The code sent: 3 (Invalid data from module) when a fact did not fit. */
  code: number;
}

/**
 * Builds a response. As in the C module, a fact is added only while the
 * response stays within 512 bytes; if any fact had to be left out the code
 * becomes 3, so a client never mistakes a cut-off answer for a whole one.
 */
export function encodeResponse(version: 1 | 2, code: number, random: Buffer, facts: readonly RawFact[]): EncodedResponse {
  const parts: Buffer[] = version === 2 ? [Buffer.from([code & 0xff, random.length]), random] : [Buffer.from([code & 0xff])];
  let length = version === 2 ? 2 + random.length : 1;
  let overflow = false;
  for (const { type, value } of facts) {
    const fits = length + value.length + 3 <= CVM_PACKET_MAX && (version === 2 ? value.length <= CVM_VALUE_MAX : !value.includes(0));
    if (!fits) {
      overflow = true;
      continue;
    }
    parts.push(version === 2 ? Buffer.from([type, value.length]) : Buffer.from([type]), value);
    if (version === 1) parts.push(Buffer.from([0]));
    length += value.length + 2;
  }
  parts.push(Buffer.from([0]));
  const packet = Buffer.concat(parts);
  if (overflow) packet[0] = CvmCode.BAD_MODDATA;
  return { packet, code: overflow ? CvmCode.BAD_MODDATA : code & 0xff };
}

export interface DecodedResponse {
  /** The module's code, or 3 when the response was not valid. */
  code: number;
  /** Facts in response order (kept on failure: OUTOFSCOPE). */
  facts: RawFact[];
}

const INVALID: DecodedResponse = Object.freeze({ code: CvmCode.BAD_MODDATA, facts: [] }) as DecodedResponse;

/**
 * Checks a v2 response against the nonce sent, in the C client's order:
 * length, nonce, final NUL, then the facts. Facts end at the first zero tag.
 * A fact that runs past the end of the response makes it invalid (the C
 * client would read on in its buffer).
 */
export function decodeResponseV2(response: Buffer, random: Buffer): DecodedResponse {
  if (response.length < 3 || response.length > CVM_PACKET_MAX) return INVALID;
  const start = 2 + random.length;
  if (response[1] !== random.length || response.length < start + 1) return INVALID;
  if (!response.subarray(2, start).equals(random)) return INVALID;
  if (response[response.length - 1] !== 0) return INVALID;
  const facts: RawFact[] = [];
  for (let i = start; response[i] !== 0; ) {
    const end = i + 2 + (response[i + 1] ?? 0);
    if (i + 1 >= response.length || end >= response.length) return INVALID;
    facts.push({ type: response[i]!, value: response.subarray(i + 2, end) });
    i = end;
  }
  return { code: response[0]!, facts };
}

/** A v1 response: NUL-terminated fact values; success needs the two final NULs. */
export function decodeResponseV1(response: Buffer): DecodedResponse {
  if (response.length === 0 || response.length > CVM_PACKET_MAX) return INVALID;
  const code = response[0]!;
  const facts: RawFact[] = [];
  let i = 1;
  while (i < response.length && response[i] !== 0) {
    const nul = response.indexOf(0, i + 1);
    if (nul === -1) break;
    facts.push({ type: response[i]!, value: response.subarray(i + 1, nul) });
    i = nul + 1;
  }
  const terminated = i === response.length - 1 && response[i] === 0;
  if (code !== CvmCode.OK) return { code, facts: terminated ? facts : [] };
  if (response.length < 3 || !terminated) return INVALID;
  return { code, facts };
}
