/**
 * The traced allocations replay holds live, by traced address (the low 48 bits, tag stripped):
 * an open-addressing table over typed arrays (linear probing, deletion by backward shift), so
 * an alloc or free costs a few array reads and no object. Each slot keeps the model's pointer,
 * the size asked for, the replay cache (or KMALLOC / DERIVED) and the call-site index.
 *
 *   const slot = t.find(addr);          // -1 when not live
 *   t.insert(addr, sim, req, cache, site);
 *   t.removeAt(slot);
 */

/** `cache` of a kmalloc object. */
export const LIVE_KMALLOC = -1;
/** `cache` of vmalloc metadata and other objects the model allocates itself. */
export const LIVE_DERIVED = -2;

const MIN_BITS = 10;

export class LiveObjectTable {
  /** Traced address per slot; 0 marks an empty slot (address 0 is never stored). */
  private keys = new Float64Array(1 << MIN_BITS);
  sim = new Float64Array(1 << MIN_BITS);
  req = new Float64Array(1 << MIN_BITS);
  cache = new Int32Array(1 << MIN_BITS);
  site = new Int32Array(1 << MIN_BITS);
  private bits = MIN_BITS;
  private mask = (1 << MIN_BITS) - 1;
  /** Live entries. */
  size = 0;

  /** The slot holding `key`, or -1. */
  find(key: number): number {
    const keys = this.keys;
    const mask = this.mask;
    for (let i = this.home(key); ; i = (i + 1) & mask) {
      const k = keys[i];
      if (k === key) return k === 0 ? -1 : i;
      if (k === 0) return -1;
    }
  }

  /** Add `key` (not present, not 0); its slot. */
  insert(key: number, sim: number, req: number, cache: number, site: number): number {
    if ((this.size + 1) * 2 > this.keys.length) this.grow();
    const keys = this.keys;
    const mask = this.mask;
    let i = this.home(key);
    while (keys[i] !== 0) i = (i + 1) & mask;
    keys[i] = key;
    this.sim[i] = sim;
    this.req[i] = req;
    this.cache[i] = cache;
    this.site[i] = site;
    this.size++;
    return i;
  }

  /** Empty `slot`, moving later entries of its probe run back so no search stops short. */
  removeAt(slot: number): void {
    const keys = this.keys;
    const mask = this.mask;
    let hole = slot;
    for (let i = (slot + 1) & mask; keys[i] !== 0; i = (i + 1) & mask) {
      const h = this.home(keys[i]);
      // Entry i may fill the hole if its home is not cyclically inside (hole, i].
      if (((i - h) & mask) >= ((i - hole) & mask)) {
        keys[hole] = keys[i];
        this.sim[hole] = this.sim[i];
        this.req[hole] = this.req[i];
        this.cache[hole] = this.cache[i];
        this.site[hole] = this.site[i];
        hole = i;
      }
    }
    keys[hole] = 0;
    this.size--;
  }

  private home(key: number): number {
    // Fibonacci hashing of the address's two 32-bit halves (slab addresses end in zero bits).
    const lo = key >>> 0;
    const hi = (key / 4294967296) | 0;
    return Math.imul(lo ^ Math.imul(hi, 0x85ebca6b), 0x9e3779b1) >>> (32 - this.bits);
  }

  private grow(): void {
    const { keys, sim, req, cache, site } = this;
    this.bits++;
    const n = 1 << this.bits;
    this.mask = n - 1;
    this.keys = new Float64Array(n);
    this.sim = new Float64Array(n);
    this.req = new Float64Array(n);
    this.cache = new Int32Array(n);
    this.site = new Int32Array(n);
    this.size = 0;
    for (let i = 0; i < keys.length; i++) if (keys[i] !== 0) this.insert(keys[i], sim[i], req[i], cache[i], site[i]);
  }
}
