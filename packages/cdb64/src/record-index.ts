/**
 * The writer's memory: the (hash, position) of every record added, in typed
 * arrays (12 bytes a record for cdb, 16 for cdb64; no object per record),
 * and the placement of those records into the 256 hash tables at finish.
 *
 * Placement is djb's cdb_make_finish: a table with n records gets 2n slots;
 * its records, in insertion order, each take the first free slot from
 * (hash >> 8) mod slots on, wrapping. Insertion order is what makes readers
 * meet duplicate keys in the order they were added.
 */
import { startSlot32, startSlot64, tableIndex } from './hash.js';
import { SLOTS_PER_RECORD, TABLE_COUNT } from './layout.js';

const INITIAL_CAPACITY = 1024;
/** Marks a free slot while placing; record indices are >= 0. */
export const NO_RECORD = -1;

export class RecordIndex {
  hashLo = new Uint32Array(INITIAL_CAPACITY);
  /** High half of the 64-bit hash; empty for classic cdb. */
  hashHi: Uint32Array;
  position = new Float64Array(INITIAL_CAPACITY);
  count = 0;

  constructor(readonly wide: boolean) {
    this.hashHi = new Uint32Array(wide ? INITIAL_CAPACITY : 0);
  }

  add(lo: number, hi: number, position: number): void {
    if (this.count === this.hashLo.length) this.grow();
    this.hashLo[this.count] = lo;
    if (this.wide) this.hashHi[this.count] = hi;
    this.position[this.count] = position;
    this.count++;
  }

  /** Groups the records by table, ready for place(). */
  plan(): TablePlan {
    return new TablePlan(this);
  }

  private grow(): void {
    const capacity = this.hashLo.length * 2;
    this.hashLo = resized(this.hashLo, new Uint32Array(capacity));
    if (this.wide) this.hashHi = resized(this.hashHi, new Uint32Array(capacity));
    this.position = resized(this.position, new Float64Array(capacity));
  }
}

export class TablePlan {
  /** Record indices grouped by table, each group in insertion order. */
  private readonly order: Uint32Array;
  /** Table t's records are order[starts[t] .. starts[t + 1]). */
  private readonly starts = new Uint32Array(TABLE_COUNT + 1);
  /** The largest table's slot count: the size of the owner array place() needs. */
  readonly maxSlots: number;

  constructor(private readonly index: RecordIndex) {
    // Counting sort by table: stable, O(records), no comparisons.
    const { hashLo, count } = index;
    const starts = this.starts;
    for (let r = 0; r < count; r++) starts[tableIndex(hashLo[r]!) + 1]++;
    for (let t = 0; t < TABLE_COUNT; t++) starts[t + 1] += starts[t]!;
    const next = starts.slice(0, TABLE_COUNT);
    this.order = new Uint32Array(count);
    for (let r = 0; r < count; r++) this.order[next[tableIndex(hashLo[r]!)]++] = r;
    let maxSlots = 0;
    for (let t = 0; t < TABLE_COUNT; t++) maxSlots = Math.max(maxSlots, this.slots(t));
    this.maxSlots = maxSlots;
  }

  slots(table: number): number {
    return (this.starts[table + 1]! - this.starts[table]!) * SLOTS_PER_RECORD;
  }

  /** Fills owner[0 .. slots(table)) with the record index in each slot, or NO_RECORD. */
  place(table: number, owner: Int32Array): void {
    const { hashLo, hashHi, wide } = this.index;
    const slots = this.slots(table);
    owner.fill(NO_RECORD, 0, slots);
    for (let i = this.starts[table]!; i < this.starts[table + 1]!; i++) {
      const r = this.order[i]!;
      let slot = wide ? startSlot64(hashHi[r]!, hashLo[r]!, slots) : startSlot32(hashLo[r]!, slots);
      while (owner[slot] !== NO_RECORD) slot = slot + 1 === slots ? 0 : slot + 1;
      owner[slot] = r;
    }
  }
}

function resized<T extends Uint32Array | Float64Array>(from: T, to: T): T {
  to.set(from);
  return to;
}
