/**
 * Traced page blocks replay keeps by pfn (the blocks it replayed, and those the model makes
 * itself): an open-addressing table over typed arrays (linear probing, deletion by backward
 * shift), so a page allocation or free costs a few array reads and no Map entry. Each key
 * holds one number.
 *
 *   t.set(pfn, v); t.get(pfn);   // NaN when absent
 *   t.delete(pfn);               // whether it was there
 *   t.take(pfn);                 // the value, removed in the same probe (NaN when absent)
 *
 * pfn 0 is never stored (a traced page allocation with pfn 0 is a failed one): `set` of 0
 * throws, `get`/`delete` of 0 find nothing.
 */

import { claimSlot, findSlot, removeSlot } from "../../lib/open-addressing.js";

const MIN_BITS = 10;

export class PageBlockTable {
  /** pfn per slot; 0 marks an empty slot. */
  private keys = new Float64Array(1 << MIN_BITS);
  private vals = new Float64Array(1 << MIN_BITS);
  private bits = MIN_BITS;
  /** Keys held. */
  size = 0;
  /** Moves a value along with its key during a backward-shift delete. */
  private readonly moveValue = (from: number, to: number): void => {
    this.vals[to] = this.vals[from];
  };

  /** The value held for `pfn`, or NaN. */
  get(pfn: number): number {
    const i = findSlot(this.keys, this.bits, pfn);
    return i < 0 ? NaN : this.vals[i];
  }

  /** Whether `pfn` is held. */
  has(pfn: number): boolean {
    return findSlot(this.keys, this.bits, pfn) >= 0;
  }

  /** Hold `value` for `pfn` (replacing what was held). */
  set(pfn: number, value: number): void {
    if (pfn === 0 || Number.isNaN(pfn)) throw new RangeError(`PageBlockTable: pfn ${pfn} cannot be a key`);
    const at = findSlot(this.keys, this.bits, pfn);
    if (at >= 0) {
      this.vals[at] = value;
      return;
    }
    if ((this.size + 1) * 2 > this.keys.length) this.grow();
    this.insert(pfn, value);
  }

  /** Drop `pfn` and return what it held (NaN when it held nothing): one probe for get + delete. */
  take(pfn: number): number {
    const slot = findSlot(this.keys, this.bits, pfn);
    if (slot < 0) return NaN;
    const v = this.vals[slot];
    removeSlot(this.keys, this.bits, slot, this.moveValue);
    this.size--;
    return v;
  }

  /** Drop `pfn`: whether it was held. */
  delete(pfn: number): boolean {
    const slot = findSlot(this.keys, this.bits, pfn);
    if (slot < 0) return false;
    removeSlot(this.keys, this.bits, slot, this.moveValue);
    this.size--;
    return true;
  }

  private insert(pfn: number, value: number): void {
    this.vals[claimSlot(this.keys, this.bits, pfn)] = value;
    this.size++;
  }

  private grow(): void {
    const { keys, vals } = this;
    this.bits++;
    const n = 1 << this.bits;
    this.keys = new Float64Array(n);
    this.vals = new Float64Array(n);
    this.size = 0;
    for (let i = 0; i < keys.length; i++) if (keys[i] !== 0) this.insert(keys[i], vals[i]);
  }
}
