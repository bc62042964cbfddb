/**
 * Traced page blocks replay keeps by pfn (the blocks it replayed, and those the model makes
 * itself): an open-addressing table over typed arrays (linear probing, deletion by backward
 * shift), so a page allocation or free costs a few array reads and no Map entry. Each key
 * holds one number.
 *
 *   t.set(pfn, v); t.get(pfn);   // NaN when absent
 *   t.delete(pfn);               // whether it was there
 *
 * pfn 0 is never stored (a traced page allocation with pfn 0 is a failed one): `set` of 0
 * throws, `get`/`delete` of 0 find nothing.
 */

const MIN_BITS = 10;

export class PageBlockTable {
  /** pfn per slot; 0 marks an empty slot. */
  private keys = new Float64Array(1 << MIN_BITS);
  private vals = new Float64Array(1 << MIN_BITS);
  private bits = MIN_BITS;
  private mask = (1 << MIN_BITS) - 1;
  /** Keys held. */
  size = 0;

  /** The value held for `pfn`, or NaN. */
  get(pfn: number): number {
    const i = this.find(pfn);
    return i < 0 ? NaN : this.vals[i];
  }

  /** Whether `pfn` is held. */
  has(pfn: number): boolean {
    return this.find(pfn) >= 0;
  }

  /** Hold `value` for `pfn` (replacing what was held). */
  set(pfn: number, value: number): void {
    if (pfn === 0 || pfn !== pfn) throw new RangeError(`PageBlockTable: pfn ${pfn} cannot be a key`);
    const at = this.find(pfn);
    if (at >= 0) {
      this.vals[at] = value;
      return;
    }
    if ((this.size + 1) * 2 > this.keys.length) this.grow();
    this.insert(pfn, value);
  }

  /** Drop `pfn`: whether it was held. */
  delete(pfn: number): boolean {
    const slot = this.find(pfn);
    if (slot < 0) return false;
    const keys = this.keys;
    const vals = this.vals;
    const mask = this.mask;
    let hole = slot;
    for (let i = (slot + 1) & mask; keys[i] !== 0; i = (i + 1) & mask) {
      const h = this.home(keys[i]);
      // Entry i may fill the hole if its home is not cyclically inside (hole, i].
      if (((i - h) & mask) >= ((i - hole) & mask)) {
        keys[hole] = keys[i];
        vals[hole] = vals[i];
        hole = i;
      }
    }
    keys[hole] = 0;
    this.size--;
    return true;
  }

  private find(pfn: number): number {
    const keys = this.keys;
    const mask = this.mask;
    for (let i = this.home(pfn); ; i = (i + 1) & mask) {
      const k = keys[i];
      if (k === pfn) return k === 0 ? -1 : i;
      if (k === 0) return -1;
    }
  }

  private insert(pfn: number, value: number): void {
    const keys = this.keys;
    const mask = this.mask;
    let i = this.home(pfn);
    while (keys[i] !== 0) i = (i + 1) & mask;
    keys[i] = pfn;
    this.vals[i] = value;
    this.size++;
  }

  private home(pfn: number): number {
    // Fibonacci hashing of the two 32-bit halves (pfns of one allocation burst are close).
    const lo = pfn >>> 0;
    const hi = (pfn / 4294967296) | 0;
    return Math.imul(lo ^ Math.imul(hi, 0x85ebca6b), 0x9e3779b1) >>> (32 - this.bits);
  }

  private grow(): void {
    const { keys, vals } = this;
    this.bits++;
    const n = 1 << this.bits;
    this.mask = n - 1;
    this.keys = new Float64Array(n);
    this.vals = new Float64Array(n);
    this.size = 0;
    for (let i = 0; i < keys.length; i++) if (keys[i] !== 0) this.insert(keys[i], vals[i]);
  }
}
