/**
 * struct slab: one slab (2^order pages) of a kmem_cache, with its freelist.
 *
 * A freelist is a singly linked list threaded through the free objects (SLUB keeps the next
 * pointer inside each free object at s->offset). Here object i's "free pointer" is `next[i]`
 * (an object index, −1 = NULL) and the pointer tag the list holds for it is `tags[i]` — SLUB links
 * the (possibly tagged) pointers setup_object or the freeing caller produced, and hands that same
 * pointer back on allocation. `state[i]` is model-only bookkeeping (the kernel does not track it)
 * so that a double free KASAN did not catch is reported instead of corrupting the lists.
 */
import type { KmemCache } from "./kmem-cache.js";

/** Object is on a freelist (the slab's or a CPU's). */
export const OBJ_FREE = 0;
/** Object is allocated. */
export const OBJ_ALLOCATED = 1;
/** Freed, but KASAN kept it (Generic quarantine) — given back via freeFromQuarantine. */
export const OBJ_KASAN_HELD = 2;
/** Freed, real free deferred through call_rcu (CONFIG_SLUB_RCU_DEBUG). */
export const OBJ_RCU_PENDING = 3;

export class Slab {
  /** slab->objects. */
  readonly objects: number;
  /** slab->inuse: objects not on this slab's freelist (a CPU freelist counts as in use). */
  inuse = 0;
  /** slab->frozen: this is some CPU's cpu slab. */
  frozen = false;
  /** slab->freelist: head object index, −1 = NULL. */
  freelist = -1;
  /** Free pointers: next object index per object (−1 = end). */
  readonly next: Int32Array;
  /** Pointer tag of each object as linked in the freelist. */
  readonly tags: Uint8Array;
  /** OBJ_* per object. */
  readonly state: Uint8Array;

  // n->partial list links (slab->slab_list) and the node-partial marker (slab_test_node_partial).
  listPrev: Slab | null = null;
  listNext: Slab | null = null;
  onNodePartial = false;

  // Per-CPU partial chain (slab->next, slab->slabs).
  cpuPartialNext: Slab | null = null;
  cpuPartialCount = 0;

  constructor(
    readonly cache: KmemCache,
    /** Head pfn of the slab's pages. */
    readonly pfn: number,
    readonly order: number,
    /** Linear-map offset of the first object (slab_address, untagged). */
    readonly base: number,
    objects: number,
  ) {
    this.objects = objects;
    this.next = new Int32Array(objects);
    this.tags = new Uint8Array(objects);
    this.state = new Uint8Array(objects);
  }

  /** Linear-map offset of object `idx`. */
  objectOffset(idx: number): number {
    return this.base + idx * this.cache.size;
  }

  /**
   * obj_to_index for an offset inside the slab, clamped to the last object like nearest_obj().
   * Returns −1 when the offset lies before the slab.
   */
  nearestIndex(offset: number): number {
    const rel = offset - this.base;
    if (rel < 0) return -1;
    return Math.min(Math.floor(rel / this.cache.size), this.objects - 1);
  }

  /** Objects currently on this slab's own freelist (walks the list). */
  freelistLength(): number {
    let n = 0;
    for (let i = this.freelist; i !== -1; i = this.next[i]) n++;
    return n;
  }
}
