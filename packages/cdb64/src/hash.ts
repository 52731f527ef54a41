/**
 * djb's cdb hash, h = (h × 33) XOR byte starting from 5381, in the two widths
 * the formats use: modulo 2^32 for classic cdb, modulo 2^64 for cdb64.
 *
 * The 64-bit variant is computed on two 32-bit halves rather than with BigInt:
 * it runs once per key on every lookup and every added record, and BigInt
 * arithmetic allocates. Multiplying the low half by 33 needs at most 38 bits,
 * which a double holds exactly, so the carry into the high half is exact.
 */

/** The starting value of djb's hash. */
export const DJB_HASH_SEED = 5381;

const MULTIPLIER = 33;
const TWO_POW_32 = 0x1_0000_0000;
/** h >> 8: the start slot ignores the low byte, which picked the sub-table. */
const SLOT_SHIFT = 8;
const HIGH_BITS_BELOW_SHIFT = 2 ** (32 - SLOT_SHIFT);
/**
 * Below this slot count, (r × 2^24 + 2^24) stays under 2^53, so the start
 * slot of a 64-bit hash can be reduced exactly in doubles.
 */
const EXACT_SLOT_LIMIT = 2 ** 29;

/** The 32-bit djb hash of key (classic cdb). */
export function djbHash32(key: Uint8Array): number {
  return hash32Range(key, 0, key.length);
}

/** The 32-bit hash of bytes[start, end): lets the writer hash a key in its write buffer without a view. */
export function hash32Range(bytes: Uint8Array, start: number, end: number): number {
  let h = DJB_HASH_SEED;
  for (let i = start; i < end; i++) h = (Math.imul(h, MULTIPLIER) ^ bytes[i]!) >>> 0;
  return h;
}

/** A 64-bit hash as its unsigned high and low 32-bit halves. */
export interface Hash64 {
  hi: number;
  lo: number;
}

/**
 * The 64-bit djb hash of key (cdb64). Pass `out` to reuse an object in a hot
 * loop; it is filled in and returned.
 */
export function djbHash64(key: Uint8Array, out: Hash64 = { hi: 0, lo: 0 }): Hash64 {
  return hash64Range(key, 0, key.length, out);
}

/** The 64-bit hash of bytes[start, end), into out. */
export function hash64Range(bytes: Uint8Array, start: number, end: number, out: Hash64): Hash64 {
  let hi = 0;
  let lo = DJB_HASH_SEED;
  for (let i = start; i < end; i++) {
    const wide = lo * MULTIPLIER; // < 2^38: exact
    const carry = Math.floor(wide / TWO_POW_32);
    hi = (Math.imul(hi, MULTIPLIER) + carry) >>> 0;
    lo = ((wide >>> 0) ^ bytes[i]!) >>> 0;
  }
  out.hi = hi;
  out.lo = lo;
  return out;
}

/** The sub-table of a hash: its low byte, in both formats. */
export function tableIndex(lo: number): number {
  return lo & 0xff;
}

/** The first slot to probe for a 32-bit hash in a table of `slots` slots. */
export function startSlot32(h: number, slots: number): number {
  return (h >>> SLOT_SHIFT) % slots;
}

/**
 * The first slot to probe for a 64-bit hash: (h >> 8) mod slots, where
 * h >> 8 = hi × 2^24 + (lo >>> 8) is up to 56 bits wide. Reduced in two exact
 * steps for every table a real file can hold; BigInt only past 2^29 slots
 * (an 8 GiB table), where its cost no longer matters.
 */
export function startSlot64(hi: number, lo: number, slots: number): number {
  const low24 = lo >>> SLOT_SHIFT;
  if (slots < EXACT_SLOT_LIMIT) return (((hi % slots) * HIGH_BITS_BELOW_SHIFT) % slots + low24) % slots;
  const shifted = (BigInt(hi) << BigInt(32 - SLOT_SHIFT)) | BigInt(low24);
  return Number(shifted % BigInt(slots));
}
