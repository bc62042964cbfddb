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

import { claimSlot, findSlot, removeSlot } from "../../lib/open-addressing.js";

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
  /** Live entries. */
  size = 0;
  /** Moves an entry's values along with its key during a backward-shift delete. */
  private readonly moveEntry = (from: number, to: number): void => {
    this.sim[to] = this.sim[from];
    this.req[to] = this.req[from];
    this.cache[to] = this.cache[from];
    this.site[to] = this.site[from];
  };

  /** The slot holding `key`, or -1. */
  find(key: number): number {
    return findSlot(this.keys, this.bits, key);
  }

  /** Add `key` (not present, not 0); its slot. */
  insert(key: number, sim: number, req: number, cache: number, site: number): number {
    if ((this.size + 1) * 2 > this.keys.length) this.grow();
    const i = claimSlot(this.keys, this.bits, key);
    this.sim[i] = sim;
    this.req[i] = req;
    this.cache[i] = cache;
    this.site[i] = site;
    this.size++;
    return i;
  }

  /** Empty `slot`, moving later entries of its probe run back so no search stops short. */
  removeAt(slot: number): void {
    removeSlot(this.keys, this.bits, slot, this.moveEntry);
    this.size--;
  }

  private grow(): void {
    const { keys, sim, req, cache, site } = this;
    this.bits++;
    const n = 1 << this.bits;
    this.keys = new Float64Array(n);
    this.sim = new Float64Array(n);
    this.req = new Float64Array(n);
    this.cache = new Int32Array(n);
    this.site = new Int32Array(n);
    this.size = 0;
    for (let i = 0; i < keys.length; i++) if (keys[i] !== 0) this.insert(keys[i], sim[i], req[i], cache[i], site[i]);
  }
}
