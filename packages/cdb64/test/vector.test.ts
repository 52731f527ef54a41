import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { scratchDir } from '@mailfront/testkit';
import { buildCdb, writeCdb } from '../src/index.js';
import { randomRecords, TRICKY } from './helpers/records.js';
import { referenceEncode, referenceHash } from './helpers/reference.js';

const RECORDS: [string, string][] = [
  ['one', 'Hello'],
  ['', ''],
];

/** A header as runs of identical entries: [first table, last table, pos, slots]. */
function header(word: 4 | 8, runs: [number, number, number, number][]): Buffer {
  const b = Buffer.alloc(256 * 2 * word);
  for (const [from, to, pos, slots] of runs) {
    for (let i = from; i <= to; i++) {
      if (word === 4) {
        b.writeUInt32LE(pos, i * 8);
        b.writeUInt32LE(slots, i * 8 + 4);
      } else {
        b.writeBigUInt64LE(BigInt(pos), i * 16);
        b.writeBigUInt64LE(BigInt(slots), i * 16 + 8);
      }
    }
  }
  return b;
}

// §1.6 of the format description: printf '+3,5:one->Hello\n+0,0:->\n\n' | cdb -c tiny.cdb
const TINY_CDB = Buffer.concat([
  header(4, [
    [0, 4, 2072, 0],
    [5, 5, 2072, 2],
    [6, 128, 2088, 0],
    [129, 129, 2088, 2],
    [130, 255, 2104, 0],
  ]),
  Buffer.from('0300000005000000' + '6f6e6548656c6c6f' + '0000000000000000', 'hex'),
  Buffer.from('0000000000000000' + '0515000010080000', 'hex'),
  Buffer.from('0000000000000000' + '815b870b00080000', 'hex'),
]);

t.test('classic cdb: the byte-exact vector of tinycdb', async (t) => {
  t.equal(TINY_CDB.length, 2104);
  t.same(buildCdb(RECORDS), TINY_CDB);
  const file = join(scratchDir(t), 'tiny.cdb');
  t.equal(writeCdb(file, RECORDS), 2);
  t.same(readFileSync(file), TINY_CDB);
});

t.test('cdb64: the same records, laid out by hand', async (t) => {
  // "" hashes to 5381 (table 5); "one" to a 64-bit value whose low half is
  // 0x0b875b81 (table 129). Bit 8 of both hashes is 1, so both sit in slot 1.
  const one = referenceHash(Buffer.from('one'), 64);
  t.equal(one & 0xffffffffn, 0x0b875b81n);
  const slot = (hash: bigint, pos: number) => {
    const b = Buffer.alloc(32); // slot 0 empty (all zero), slot 1 used
    b.writeBigUInt64LE(hash, 16);
    b.writeBigUInt64LE(BigInt(pos), 24);
    return b;
  };
  const prefix = (klen: number, dlen: number) => {
    const b = Buffer.alloc(16);
    b.writeBigUInt64LE(BigInt(klen), 0);
    b.writeBigUInt64LE(BigInt(dlen), 8);
    return b;
  };
  const expected = Buffer.concat([
    header(8, [
      [0, 4, 4136, 0],
      [5, 5, 4136, 2],
      [6, 128, 4168, 0],
      [129, 129, 4168, 2],
      [130, 255, 4200, 0],
    ]),
    prefix(3, 5),
    Buffer.from('oneHello'),
    prefix(0, 0),
    slot(5381n, 4120),
    slot(one, 4096),
  ]);
  t.equal(expected.length, 4200);
  t.same(buildCdb(RECORDS, { format: 'cdb64' }), expected);
});

t.test('ours equals an independent naive encoder, both formats', async (t) => {
  const sets = { tricky: TRICKY, random: randomRecords(3000, 42), empty: [] };
  for (const [name, records] of Object.entries(sets)) {
    t.same(buildCdb(records), referenceEncode(records, 32), `cdb ${name}`);
    t.same(buildCdb(records, { format: 'cdb64' }), referenceEncode(records, 64), `cdb64 ${name}`);
  }
});

t.test('an empty database: header only, every table (2048, 0)', async (t) => {
  t.same(buildCdb([]), header(4, [[0, 255, 2048, 0]]));
  t.same(buildCdb([], { format: 'cdb64' }), header(8, [[0, 255, 4096, 0]]));
});
