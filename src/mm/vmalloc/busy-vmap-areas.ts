/**
 * The busy vmap areas by address (the kernel's per-node busy rb-trees seen as one index):
 * disjoint ranges [start, end) with one payload each, found by any address inside them.
 *
 * Kept as a list of small sorted blocks (at most BLOCK entries each, in address order), so an
 * insert or remove shifts one block rather than every area above it: with thousands of live
 * thread stacks a single sorted array spent most of vmalloc's time in memmove. Lookups are a
 * binary search over the blocks' last ends, then within the block.
 *
 *   const b = new BusyVmapAreas<VmapArea>();
 *   b.insert(start, end, va); b.containing(addr); b.removeContaining(addr);
 */

/** Entries per block; a full block splits in two. */
const BLOCK = 64;

class Block<T> {
  readonly starts = new Float64Array(BLOCK);
  readonly ends = new Float64Array(BLOCK);
  readonly items: (T | undefined)[] = new Array<T | undefined>(BLOCK).fill(undefined);
  n = 0;
}

export class BusyVmapAreas<T> {
  private blocks: Block<T>[] = [new Block<T>()];
  private count = 0;

  /** Areas held. */
  get n(): number {
    return this.count;
  }

  /** Add [start, end) (disjoint from every area held). */
  insert(start: number, end: number, item: T): void {
    const blocks = this.blocks;
    let bi = this.blockEndingAbove(start);
    if (bi === blocks.length) bi = blocks.length - 1;
    let b = blocks[bi];
    if (b.n === BLOCK) {
      // Split: the upper half moves to a new block right after this one.
      const nb = new Block<T>();
      const half = BLOCK >> 1;
      nb.starts.set(b.starts.subarray(half, BLOCK));
      nb.ends.set(b.ends.subarray(half, BLOCK));
      for (let i = half; i < BLOCK; i++) {
        nb.items[i - half] = b.items[i];
        b.items[i] = undefined;
      }
      nb.n = BLOCK - half;
      b.n = half;
      blocks.splice(bi + 1, 0, nb);
      if (start >= nb.starts[0]) b = nb;
    }
    const i = firstStartingAtOrAbove(b, start);
    const n = b.n;
    if (i < n) {
      b.starts.copyWithin(i + 1, i, n);
      b.ends.copyWithin(i + 1, i, n);
      const items = b.items;
      for (let j = n; j > i; j--) items[j] = items[j - 1];
    }
    b.starts[i] = start;
    b.ends[i] = end;
    b.items[i] = item;
    b.n = n + 1;
    this.count++;
  }

  /** The payload of the area containing `addr`, or undefined. */
  containing(addr: number): T | undefined {
    const bi = this.blockEndingAbove(addr);
    if (bi === this.blocks.length) return undefined;
    const b = this.blocks[bi];
    const i = firstEndingAbove(b, addr);
    return b.starts[i] <= addr ? b.items[i] : undefined;
  }

  /** Remove the area containing `addr`: its payload, or undefined (nothing removed). */
  removeContaining(addr: number): T | undefined {
    const blocks = this.blocks;
    const bi = this.blockEndingAbove(addr);
    if (bi === blocks.length) return undefined;
    const b = blocks[bi];
    const i = firstEndingAbove(b, addr);
    if (b.starts[i] > addr) return undefined;
    const items = b.items;
    const item = items[i];
    const n = b.n - 1;
    if (i < n) {
      b.starts.copyWithin(i, i + 1, n + 1);
      b.ends.copyWithin(i, i + 1, n + 1);
      for (let j = i; j < n; j++) items[j] = items[j + 1];
    }
    items[n] = undefined;
    b.n = n;
    if (n === 0 && blocks.length > 1) blocks.splice(bi, 1);
    this.count--;
    return item;
  }

  /** Every area in address order (tests, invariants). */
  *entries(): IterableIterator<[number, number, T]> {
    for (const b of this.blocks) for (let i = 0; i < b.n; i++) yield [b.starts[i], b.ends[i], b.items[i] as T];
  }

  /** Index of the first block whose last area ends above `addr` (blocks.length if none). */
  private blockEndingAbove(addr: number): number {
    const blocks = this.blocks;
    let lo = 0;
    let hi = blocks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const b = blocks[mid];
      // An empty block is only ever the sole one (removal drops emptied blocks).
      if (b.n > 0 && b.ends[b.n - 1] > addr) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}

function firstEndingAbove<T>(b: Block<T>, addr: number): number {
  let lo = 0;
  let hi = b.n;
  const ends = b.ends;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ends[mid] > addr) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function firstStartingAtOrAbove<T>(b: Block<T>, addr: number): number {
  let lo = 0;
  let hi = b.n;
  const starts = b.starts;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (starts[mid] >= addr) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
