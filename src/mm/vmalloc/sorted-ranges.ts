/**
 * Disjoint address ranges kept sorted by start in parallel Float64Arrays, with one payload per
 * range. Used for the free-space list (payload: the slab pointer of the struct vmap_area that
 * describes the free block), whose search walks the arrays by index. Offsets are plain numbers
 * below 2^44, so doubles hold them exactly. Insert/remove shift with copyWithin (the payloads by
 * hand), so each costs the entries above it: the busy areas, thousands of them, live in
 * BusyVmapAreas instead.
 */
export class SortedRanges<T> {
  starts: Float64Array;
  ends: Float64Array;
  items: T[] = [];
  n = 0;

  constructor(capacity = 64) {
    this.starts = new Float64Array(capacity);
    this.ends = new Float64Array(capacity);
  }

  /** Index of the first range whose end is above `addr` (n if none). */
  firstEndingAbove(addr: number): number {
    let lo = 0;
    let hi = this.n;
    const ends = this.ends;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ends[mid] > addr) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** Index of the first range whose start is at or above `addr` (the insertion point). */
  firstStartingAtOrAbove(addr: number): number {
    let lo = 0;
    let hi = this.n;
    const starts = this.starts;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (starts[mid] >= addr) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** Index of the range containing `addr`, or -1. */
  findContaining(addr: number): number {
    const i = this.firstEndingAbove(addr);
    return i < this.n && this.starts[i] <= addr ? i : -1;
  }

  insertAt(i: number, start: number, end: number, item: T): void {
    if (this.n === this.starts.length) this.grow();
    if (i < this.n) {
      this.starts.copyWithin(i + 1, i, this.n);
      this.ends.copyWithin(i + 1, i, this.n);
      // Shift by hand: splice would allocate the (empty) array of removed items every call.
      const items = this.items;
      items.push(item);
      for (let j = this.n; j > i; j--) items[j] = items[j - 1];
      items[i] = item;
    } else {
      this.items.push(item);
    }
    this.starts[i] = start;
    this.ends[i] = end;
    this.n++;
  }

  removeAt(i: number): T {
    const item = this.items[i];
    if (i < this.n - 1) {
      this.starts.copyWithin(i, i + 1, this.n);
      this.ends.copyWithin(i, i + 1, this.n);
      const items = this.items;
      for (let j = i; j < this.n - 1; j++) items[j] = items[j + 1];
      items.pop();
    } else {
      this.items.pop();
    }
    this.n--;
    return item;
  }

  private grow(): void {
    const cap = this.starts.length * 2;
    const s = new Float64Array(cap);
    const e = new Float64Array(cap);
    s.set(this.starts);
    e.set(this.ends);
    this.starts = s;
    this.ends = e;
  }
}
