/**
 * Interning of byte strings straight from a line buffer: a value seen before (a call site, a
 * cache name, a gfp text) is found by an FNV-1a hash of its bytes plus a byte comparison, and
 * yields a small id and the value decoded once (the string, or the parsed gfp number) without
 * building a string. Open addressing over typed arrays; the bytes live in one arena.
 *
 *   const t = new ByteInterner<string>();
 *   let id = t.find(buf, s, e, byteHash(buf, s, e));
 *   if (id < 0) id = t.add(buf, s, e, byteHash(buf, s, e), latin1(buf, s, e));   // -1 when full
 *   t.value(id);
 *
 * The hash is FNV-1a over the value's whole little-endian 32-bit words, then its last
 * length % 4 bytes, then the length, folded (its low bits pick the slot). Scanners that hash
 * while they look for a value's end use the same steps: `h = FNV_OFFSET; for each whole word w:
 * h = fnvStep(h, w); for each byte c after them: h = fnvStep(h, c); h = fnvFinish(h, length)`.
 */

export const FNV_OFFSET = 0x811c9dc5 | 0;
export const FNV_PRIME = 0x01000193;

/** One FNV-1a step (32-bit) over a byte or a 32-bit word. */
export function fnvStep(h: number, c: number): number {
  return Math.imul(h ^ c, FNV_PRIME);
}

/**
 * Mix the length in last, so the hash is known only once the value's end is found; then fold
 * the high half into the low one (a word step leaves the low bits blind to the word's high bytes).
 */
export function fnvFinish(h: number, len: number): number {
  h = Math.imul(h ^ len, FNV_PRIME);
  return h ^ (h >>> 16);
}

/** The hash `find`/`add` expect for `buf[s, e)`. */
export function byteHash(buf: Uint8Array, s: number, e: number): number {
  let h = FNV_OFFSET;
  let i = s;
  for (; i + 4 <= e; i += 4) h = Math.imul(h ^ (buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24)), FNV_PRIME);
  for (; i < e; i++) h = Math.imul(h ^ buf[i], FNV_PRIME);
  return fnvFinish(h, e - s);
}

export interface ByteInternerLimits {
  /** Most entries kept (beyond it `add` refuses): bounds memory on adversarial input. */
  maxEntries?: number;
  /** Most bytes kept in the arena. */
  maxBytes?: number;
}

export class ByteInterner<T> {
  readonly maxEntries: number;
  readonly maxBytes: number;
  /** Open-addressing slots: 0 empty, else id + 1. */
  private slots: Int32Array = new Int32Array(1024);
  private mask = 1023;
  private hashes: Int32Array = new Int32Array(256);
  private offsets: Int32Array = new Int32Array(256);
  private lengths: Int32Array = new Int32Array(256);
  private arena: Uint8Array = new Uint8Array(16 << 10);
  private arenaView = new DataView(this.arena.buffer);
  private arenaUsed = 0;
  private readonly values: T[] = [];

  constructor(limits: ByteInternerLimits = {}) {
    this.maxEntries = limits.maxEntries ?? 1 << 20;
    this.maxBytes = limits.maxBytes ?? 64 << 20;
  }

  /** Entries held. */
  get size(): number {
    return this.values.length;
  }

  /**
   * The id of `buf[s, e)` (hash `h` from byteHash or the fused steps), or -1. `view`, a
   * DataView over exactly `buf`'s bytes, lets the comparison go four bytes at a time.
   */
  find(buf: Uint8Array, s: number, e: number, h: number, view?: DataView<ArrayBufferLike>): number {
    const slots = this.slots;
    const mask = this.mask;
    const len = e - s;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const v = slots[i];
      if (v === 0) return -1;
      const id = v - 1;
      if (this.hashes[id] !== h || this.lengths[id] !== len) continue;
      const arena = this.arena;
      const o = this.offsets[id];
      let x = 0;
      if (view !== undefined) {
        const av = this.arenaView;
        while (x + 4 <= len && av.getInt32(o + x, true) === view.getInt32(s + x, true)) x += 4;
      }
      while (x < len && arena[o + x] === buf[s + x]) x++;
      if (x === len) return id;
    }
  }

  /** Store `buf[s, e)` (not present) with its decoded value; its id, or -1 past the limits. */
  add(buf: Uint8Array, s: number, e: number, h: number, value: T): number {
    const len = e - s;
    const id = this.values.length;
    if (id >= this.maxEntries || this.arenaUsed + len > this.maxBytes) return -1;
    if (id === this.hashes.length) {
      this.hashes = grow(this.hashes);
      this.offsets = grow(this.offsets);
      this.lengths = grow(this.lengths);
    }
    if (this.arenaUsed + len > this.arena.length) {
      const a = new Uint8Array(Math.max(this.arena.length * 2, this.arenaUsed + len));
      a.set(this.arena.subarray(0, this.arenaUsed));
      this.arena = a;
      this.arenaView = new DataView(a.buffer);
    }
    this.arena.set(buf.subarray(s, e), this.arenaUsed);
    this.hashes[id] = h;
    this.offsets[id] = this.arenaUsed;
    this.lengths[id] = len;
    this.arenaUsed += len;
    this.values.push(value);
    // Keep the load at most one half.
    if ((id + 1) * 2 > this.slots.length) this.rehash(this.slots.length * 2);
    else this.place(id);
    return id;
  }

  value(id: number): T {
    return this.values[id];
  }

  private place(id: number): void {
    const mask = this.mask;
    let i = this.hashes[id] & mask;
    while (this.slots[i] !== 0) i = (i + 1) & mask;
    this.slots[i] = id + 1;
  }

  private rehash(n: number): void {
    this.slots = new Int32Array(n);
    this.mask = n - 1;
    for (let id = 0; id < this.values.length; id++) this.place(id);
  }
}

function grow(a: Int32Array): Int32Array {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}
