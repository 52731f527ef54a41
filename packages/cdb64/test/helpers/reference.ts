/**
 * A deliberately naive cdb/cdb64 encoder written straight from the format
 * description (BigInt hash, DataView, arrays of objects), sharing no code
 * with src/. It is checked against tinycdb for the 32-bit format, and then
 * serves as the oracle for cdb64, which has no C tool.
 */

export function referenceHash(key: Uint8Array, bits: 32 | 64): bigint {
  const mask = (1n << BigInt(bits)) - 1n;
  let h = 5381n;
  for (const c of key) h = ((h * 33n) & mask) ^ BigInt(c);
  return h;
}

export function referenceEncode(records: readonly [Uint8Array, Uint8Array][], bits: 32 | 64): Buffer {
  const word = bits / 8;
  const put = (view: DataView, at: number, v: bigint) =>
    word === 4 ? view.setUint32(at, Number(v), true) : view.setBigUint64(at, v, true);
  const chunks: Buffer[] = [];
  let pos = 256 * 2 * word;
  const entries: { h: bigint; pos: bigint }[][] = Array.from({ length: 256 }, () => []);
  for (const [k, v] of records) {
    const head = Buffer.alloc(2 * word);
    const view = new DataView(head.buffer);
    put(view, 0, BigInt(k.length));
    put(view, word, BigInt(v.length));
    chunks.push(head, Buffer.from(k), Buffer.from(v));
    const h = referenceHash(k, bits);
    entries[Number(h & 255n)]!.push({ h, pos: BigInt(pos) });
    pos += 2 * word + k.length + v.length;
  }
  const header = Buffer.alloc(256 * 2 * word);
  const headerView = new DataView(header.buffer);
  for (let t = 0; t < 256; t++) {
    const list = entries[t]!;
    const n = list.length * 2;
    put(headerView, t * 2 * word, BigInt(pos));
    put(headerView, t * 2 * word + word, BigInt(n));
    const slots: ({ h: bigint; pos: bigint } | undefined)[] = new Array(n).fill(undefined);
    for (const e of list) {
      let s = Number((e.h >> 8n) % BigInt(n));
      while (slots[s]) s = (s + 1) % n;
      slots[s] = e;
    }
    const table = Buffer.alloc(n * 2 * word);
    const view = new DataView(table.buffer);
    slots.forEach((e, i) => {
      if (e) {
        put(view, i * 2 * word, e.h);
        put(view, i * 2 * word + word, e.pos);
      }
    });
    chunks.push(table);
    pos += table.length;
  }
  return Buffer.concat([header, ...chunks]);
}
