import t from 'tap';
import { DJB_HASH_SEED, djbHash32, djbHash64, startSlot32, startSlot64 } from '../src/index.js';
import { prng, randomBytes } from './helpers/records.js';
import { referenceHash } from './helpers/reference.js';

const latin1 = (s: string) => Buffer.from(s, 'latin1');
const as64 = (h: { hi: number; lo: number }) => (BigInt(h.hi) << 32n) | BigInt(h.lo);

t.test('32-bit hash: the reference values of the format description', async (t) => {
  t.equal(DJB_HASH_SEED, 5381);
  t.equal(djbHash32(latin1('')), 0x00001505);
  t.equal(djbHash32(latin1('a')), 0x0002b5c4);
  t.equal(djbHash32(latin1('one')), 0x0b875b81);
  t.equal(djbHash32(latin1('127.0.0.1')), 0x5478120e);
  t.equal(djbHash32(latin1('hello world')), 0xf8c65345);
});

t.test('32-bit hash bytes are unsigned', async (t) => {
  t.equal(djbHash32(Buffer.from([0xff])), Number(referenceHash(Buffer.from([0xff]), 32)));
  t.equal(djbHash32(Buffer.from([0x80, 0x00, 0xff])), Number(referenceHash(Buffer.from([0x80, 0x00, 0xff]), 32)));
});

t.test('64-bit hash (two 32-bit halves) equals a BigInt reference', async (t) => {
  const rand = prng(64);
  const keys: Buffer[] = [latin1(''), latin1('a'), latin1('one'), Buffer.alloc(1000, 0xff), Buffer.alloc(50, 0)];
  for (let i = 0; i < 2000; i++) keys.push(randomBytes(rand, 200));
  let mismatches = 0;
  for (const key of keys) if (as64(djbHash64(key)) !== referenceHash(key, 64)) mismatches++;
  t.equal(mismatches, 0, `${keys.length} keys`);
  t.equal(as64(djbHash64(latin1(''))), 5381n);
  t.equal(as64(djbHash64(latin1('hello world'))), referenceHash(latin1('hello world'), 64));
});

t.test('low half of the 64-bit hash is the 32-bit hash; the high half differs', async (t) => {
  const rand = prng(7);
  for (let i = 0; i < 200; i++) {
    const key = randomBytes(rand, 30);
    t.equal(djbHash64(key).lo, djbHash32(key));
  }
  t.not(djbHash64(latin1('hello world')).hi, 0);
});

t.test('djbHash64 fills and returns the object it is given', async (t) => {
  const out = { hi: 1, lo: 2 };
  t.equal(djbHash64(latin1('one'), out), out);
  t.equal(out.lo, 0x0b875b81);
});

t.test('start slot: (h >> 8) mod slots', async (t) => {
  t.equal(startSlot32(0x0b875b81, 2), 1);
  t.equal(startSlot32(0x1505, 2), 1);
  t.equal(startSlot32(0xffffffff, 0xffffffff), 0xffffff);
  const rand = prng(99);
  // Slot counts on both sides of 2^29, where the exact double arithmetic hands over to BigInt.
  const counts = [1, 2, 3, 255, 65_536, 2 ** 29 - 1, 2 ** 29, 2 ** 29 + 3, 2 ** 40 + 7, 2 ** 49 - 1];
  for (let i = 0; i < 300; i++) counts.push(1 + Math.floor(rand() * 2 ** 28), 1 + Math.floor(rand() * 2 ** 45));
  let bad = 0;
  for (const slots of counts) {
    const hi = Math.floor(rand() * 2 ** 32);
    const lo = Math.floor(rand() * 2 ** 32);
    const want = Number(((BigInt(hi) * 2n ** 32n + BigInt(lo)) >> 8n) % BigInt(slots));
    if (startSlot64(hi, lo, slots) !== want) bad++;
    if (startSlot64(0xffffffff, 0xffffffff, slots) !== Number((2n ** 56n - 1n) % BigInt(slots))) bad++;
  }
  t.equal(bad, 0, `${counts.length} slot counts`);
});
