/**
 * A sparse, lazily allocated array of bytes, one byte per fixed-size unit of simulated memory
 * (an MTE granule's allocation tag, a KASAN shadow byte). Storage is one Uint8Array per chunk,
 * created on the first write of a non-default value; reads of untouched chunks return the
 * default. Range operations work chunk by chunk with `fill`, never byte by byte.
 *
 * Unit indices are plain numbers (up to 2^44 bytes of address space / unit size), so callers
 * pass `Math.floor(offset / unitSize)`-style indices, never BigInt.
 */
export const CHUNK_SHIFT = 17;
export const CHUNK_UNITS = 1 << CHUNK_SHIFT;
/** Chunks per second-level directory block (chunk index = dirIndex · DIR_SIZE + slot). */
const DIR_SHIFT = 11;
const DIR_SIZE = 1 << DIR_SHIFT;

export class SparseBytes {
  /** Two-level directory of chunks: plain arrays, so a lookup is two indexed loads. */
  private readonly dir: (Array<Uint8Array | undefined> | undefined)[] = [];
  private count = 0;
  private lastIdx = -1;
  private lastChunk: Uint8Array | undefined = undefined;

  constructor(readonly defaultValue: number) {}

  /** Number of chunks materialised so far. */
  get chunkCount(): number {
    return this.count;
  }

  /** Bytes of host memory held by materialised chunks. */
  get bytesAllocated(): number {
    return this.count * CHUNK_UNITS;
  }

  private chunkFor(ci: number): Uint8Array | undefined {
    if (ci === this.lastIdx) return this.lastChunk;
    const block = this.dir[ci >>> DIR_SHIFT];
    const c = block === undefined ? undefined : block[ci & (DIR_SIZE - 1)];
    if (c !== undefined) {
      this.lastIdx = ci;
      this.lastChunk = c;
    }
    return c;
  }

  private materialise(ci: number): Uint8Array {
    let c = this.chunkFor(ci);
    if (c === undefined) {
      c = new Uint8Array(CHUNK_UNITS);
      if (this.defaultValue !== 0) c.fill(this.defaultValue);
      let block = this.dir[ci >>> DIR_SHIFT];
      if (block === undefined) {
        block = new Array<Uint8Array | undefined>(DIR_SIZE).fill(undefined);
        this.dir[ci >>> DIR_SHIFT] = block;
      }
      block[ci & (DIR_SIZE - 1)] = c;
      this.count++;
      this.lastIdx = ci;
      this.lastChunk = c;
    }
    return c;
  }

  get(unit: number): number {
    const ci = (unit / CHUNK_UNITS) | 0;
    const c = this.chunkFor(ci);
    return c === undefined ? this.defaultValue : c[unit - ci * CHUNK_UNITS];
  }

  set(unit: number, value: number): void {
    const ci = (unit / CHUNK_UNITS) | 0;
    const c = this.chunkFor(ci);
    if (c === undefined) {
      if (value === this.defaultValue) return;
      this.materialise(ci)[unit - ci * CHUNK_UNITS] = value;
    } else {
      c[unit - ci * CHUNK_UNITS] = value;
    }
  }

  /** Set units [from, to) to `value`. */
  fill(from: number, to: number, value: number): void {
    // Fast path: the range lies in the most recently used chunk (one object, one page).
    const base0 = this.lastIdx * CHUNK_UNITS;
    if (from >= base0 && to <= base0 + CHUNK_UNITS && this.lastChunk !== undefined) {
      const c = this.lastChunk;
      if (to - from <= 16) for (let i = from - base0, e = to - base0; i < e; i++) c[i] = value;
      else c.fill(value, from - base0, to - base0);
      return;
    }
    while (from < to) {
      const ci = (from / CHUNK_UNITS) | 0;
      const base = ci * CHUNK_UNITS;
      const end = Math.min(to, base + CHUNK_UNITS);
      let c = this.chunkFor(ci);
      if (c === undefined) {
        if (value !== this.defaultValue) c = this.materialise(ci);
      }
      if (c !== undefined) {
        // A short loop beats TypedArray#fill's call overhead for the few units of one object.
        const len = end - from;
        if (len <= 16) for (let i = from - base, e = end - base; i < e; i++) c[i] = value;
        else c.fill(value, from - base, end - base);
      }
      from = end;
    }
  }

  /** First unit in [from, to) whose value differs from `value`, or -1 if none. */
  findNotEqual(from: number, to: number, value: number): number {
    while (from < to) {
      const ci = (from / CHUNK_UNITS) | 0;
      const base = ci * CHUNK_UNITS;
      const end = Math.min(to, base + CHUNK_UNITS);
      const c = this.chunkFor(ci);
      if (c === undefined) {
        if (this.defaultValue !== value) return from;
      } else {
        for (let i = from - base, e = end - base; i < e; i++) {
          if (c[i] !== value) return base + i;
        }
      }
      from = end;
    }
    return -1;
  }

  /** Copy units [from, from+out.length) into `out`. */
  read(from: number, out: Uint8Array): Uint8Array {
    for (let k = 0; k < out.length; k++) out[k] = this.get(from + k);
    return out;
  }
}
