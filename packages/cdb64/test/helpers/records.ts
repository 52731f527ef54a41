/** Deterministic test records: a seeded PRNG so that a failure can be replayed. */

export type Rec = [Buffer, Buffer];

/** mulberry32: small, fast, good enough to make test data. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000;
  };
}

export function randomBytes(rand: () => number, maxLength: number): Buffer {
  const b = Buffer.alloc(Math.floor(rand() * (maxLength + 1)));
  for (let i = 0; i < b.length; i++) b[i] = Math.floor(rand() * 256);
  return b;
}

function randomKey(rand: () => number, maxLength: number): Buffer {
  const key = randomBytes(rand, maxLength);
  return key.length > 0 ? key : Buffer.from([Math.floor(rand() * 256)]);
}

/**
 * `count` random records with binary keys and values (NUL, LF, high bytes),
 * empty values, and about one in ten keys repeated from an earlier record.
 * Keys are never empty, so that TRICKY's empty key keeps known values.
 */
export function randomRecords(count: number, seed: number, maxLength = 40): Rec[] {
  const rand = prng(seed);
  const records: Rec[] = [];
  for (let i = 0; i < count; i++) {
    const key = records.length > 0 && rand() < 0.1 ? records[Math.floor(rand() * records.length)]![0] : randomKey(rand, maxLength);
    records.push([key, randomBytes(rand, maxLength)]);
  }
  return records;
}

/** Records with every awkward shape: duplicates, empty key and value, NUL, LF, "->", 0xff. */
export const TRICKY: Rec[] = [
  ['one', 'Hello'],
  ['', ''],
  ['dup', 'first'],
  ['', 'empty key, second value'],
  ['nul\0key', 'value\0with\0nuls'],
  ['line\nfeed', 'data\nwith\nnewlines\n'],
  ['arrow->key', '+3,5:looks->like a record\n\n'],
  ['dup', 'second'],
  ['high\xff\x80\x01', '\xff\xfe'],
  ['empty value', ''],
  ['dup', 'third'],
].map(([k, v]) => [Buffer.from(k!, 'latin1'), Buffer.from(v!, 'latin1')]);

/**
 * Each distinct key with its values in insertion order (what getAll must
 * return), keys in first-seen order. One pass over the records: the round-trip
 * tests check thousands of keys, and a scan per key would be quadratic.
 */
export function valuesByKey(records: readonly Rec[]): Map<string, { key: Buffer; values: Buffer[] }> {
  const byKey = new Map<string, { key: Buffer; values: Buffer[] }>();
  for (const [k, v] of records) {
    const id = k.toString('latin1');
    const entry = byKey.get(id);
    if (entry) entry.values.push(v);
    else byKey.set(id, { key: k, values: [v] });
  }
  return byKey;
}

/** Distinct keys in first-seen order. */
export function distinctKeys(records: readonly Rec[]): Buffer[] {
  return [...valuesByKey(records).values()].map(({ key }) => key);
}
