/**
 * mempool_t (mm/mempool.c): a reserve of preallocated elements that allocations fall back on,
 * with the three element kinds the kernel ships — kmalloc (pool_data = size), slab (pool_data =
 * kmem_cache) and pages (pool_data = order; elements are struct page *, pfns here). KASAN
 * poisons an element when it goes into the reserve (add_element → kasan_mempool_poison_*,
 * which also catches double and invalid frees) and unpoisons it when it is handed out
 * (remove_element → kasan_mempool_unpoison_*), so a pooled element is "freed" memory.
 *
 *   const pool = Mempool.initKmallocPool(mm, 4, 107);
 *   const e = pool.allocPreallocated();     // remove_element()
 *   pool.free(e, ip);                       // add_element() while the reserve is short
 *   pool.exit();
 */
import type { Ptr } from "../../arch/pointer.js";
import { GFP_KERNEL } from "../gfp.js";
import type { KasanHooks } from "../kasan-hooks.js";

/** What a mempool needs from the allocators (the kernel's kmalloc/kmem_cache/alloc_pages). */
export interface MempoolAllocators<Cache> {
  kmalloc(size: number, gfp: number): Ptr;
  kfree(ptr: Ptr, ip: number): void;
  kmemCacheAlloc(cache: Cache, gfp: number): Ptr;
  kmemCacheFree(cache: Cache, ptr: Ptr, ip: number): void;
  /** kmem_cache_size(cache): the object size. */
  kmemCacheSize(cache: Cache): number;
  /** alloc_pages(gfp, order): a pfn, or a negative number on failure. */
  allocPages(gfp: number, order: number): number;
  freePages(pfn: number, order: number): void;
  hooks: KasanHooks;
}

export type MempoolKind<Cache> =
  | { kind: "kmalloc"; size: number }
  | { kind: "slab"; cache: Cache }
  | { kind: "pages"; order: number };

/** An element: a pointer (kmalloc/slab pools) or a pfn (page pools). */
export type MempoolElement = number;

/** sizeof(void *): the elements array is kmalloc_array(min_nr, sizeof(void *)). */
const POINTER_SIZE = 8;

export class Mempool<Cache = unknown> {
  /** pool->elements (curr_nr entries in use). */
  private readonly elements: MempoolElement[] = [];
  /** The kmalloc'ed elements array of the kernel's pool (for the allocation it costs). */
  private readonly elementsArray: Ptr;
  private exited = false;

  private constructor(
    private readonly mm: MempoolAllocators<Cache>,
    readonly minNr: number,
    readonly poolData: MempoolKind<Cache>,
  ) {
    if (!Number.isInteger(minNr) || minNr < 1) throw new Error(`mempool_init: min_nr must be a positive integer, got ${minNr}`);
    this.elementsArray = mm.kmalloc(minNr * POINTER_SIZE, GFP_KERNEL);
    if (this.elementsArray === 0) throw new Error("mempool_init: out of memory for the elements array");
    // mempool_init_node(): fill the reserve.
    while (this.elements.length < minNr) {
      const e = this.allocFn(GFP_KERNEL);
      if (e === undefined) throw new Error("mempool_init: out of memory while preallocating elements");
      this.addElement(e, 0);
    }
  }

  /** mempool_init_kmalloc_pool(pool, min_nr, size). */
  static initKmallocPool<C>(mm: MempoolAllocators<C>, minNr: number, size: number): Mempool<C> {
    if (!Number.isInteger(size) || size < 1) throw new Error(`mempool_init_kmalloc_pool: size must be a positive integer, got ${size}`);
    return new Mempool(mm, minNr, { kind: "kmalloc", size });
  }

  /** mempool_init_slab_pool(pool, min_nr, cache). */
  static initSlabPool<C>(mm: MempoolAllocators<C>, minNr: number, cache: C): Mempool<C> {
    return new Mempool(mm, minNr, { kind: "slab", cache });
  }

  /** mempool_init_page_pool(pool, min_nr, order). */
  static initPagePool<C>(mm: MempoolAllocators<C>, minNr: number, order: number): Mempool<C> {
    if (!Number.isInteger(order) || order < 0 || order > 10) throw new Error(`mempool_init_page_pool: order must be an integer in [0, 10], got ${order}`);
    return new Mempool(mm, minNr, { kind: "pages", order });
  }

  /** pool->curr_nr. */
  get currNr(): number {
    return this.elements.length;
  }

  /** mempool_alloc_preallocated(): an element from the reserve, or undefined (NULL) when empty. */
  allocPreallocated(): MempoolElement | undefined {
    this.checkLive("mempool_alloc_preallocated");
    if (this.elements.length === 0) return undefined;
    return this.removeElement(0);
  }

  /** mempool_alloc(pool, gfp): the underlying allocator first, the reserve when it fails. */
  alloc(gfp: number): MempoolElement | undefined {
    this.checkLive("mempool_alloc");
    const e = this.allocFn(gfp);
    if (e !== undefined) return e;
    return this.allocPreallocated();
  }

  /** mempool_free(element, pool): refill the reserve if it is short, else free to the allocator. */
  free(element: MempoolElement, ip: number): void {
    this.checkLive("mempool_free");
    if (element === 0) return;
    if (this.elements.length < this.minNr) {
      this.addElement(element, ip);
      return;
    }
    this.freeFn(element, ip);
  }

  /** mempool_exit(): every reserved element back to the allocator, then the array. */
  exit(): void {
    this.checkLive("mempool_exit");
    while (this.elements.length > 0) this.freeFn(this.removeElement(0), 0);
    this.mm.kfree(this.elementsArray, 0);
    this.exited = true;
  }

  /** add_element(): KASAN poisons the element; a bad free keeps it out of the reserve. */
  private addElement(e: MempoolElement, ip: number): void {
    if (this.elements.length >= this.minNr) throw new Error("mempool add_element: BUG: curr_nr >= min_nr");
    if (this.kasanPoisonElement(e, ip)) this.elements.push(e);
  }

  /** remove_element(): the newest element, unpoisoned for its new user. */
  private removeElement(ip: number): MempoolElement {
    const e = this.elements.pop();
    if (e === undefined) throw new Error("mempool remove_element: BUG: curr_nr < 0");
    const h = this.mm.hooks;
    const d = this.poolData;
    if (d.kind === "kmalloc") h.mempoolUnpoisonObject(e, d.size, ip);
    else if (d.kind === "slab") h.mempoolUnpoisonObject(e, this.mm.kmemCacheSize(d.cache), ip);
    else h.mempoolUnpoisonPages(e, d.order, ip);
    return e;
  }

  private kasanPoisonElement(e: MempoolElement, ip: number): boolean {
    const d = this.poolData;
    if (d.kind === "pages") return this.mm.hooks.mempoolPoisonPages(e, d.order, ip);
    return this.mm.hooks.mempoolPoisonObject(e, ip);
  }

  /** pool->alloc: mempool_kmalloc / mempool_alloc_slab / mempool_alloc_pages. */
  private allocFn(gfp: number): MempoolElement | undefined {
    const d = this.poolData;
    if (d.kind === "kmalloc") {
      const p = this.mm.kmalloc(d.size, gfp);
      return p === 0 ? undefined : p;
    }
    if (d.kind === "slab") {
      const p = this.mm.kmemCacheAlloc(d.cache, gfp);
      return p === 0 ? undefined : p;
    }
    const pfn = this.mm.allocPages(gfp, d.order);
    return pfn < 0 ? undefined : pfn;
  }

  /** pool->free: mempool_kfree / mempool_free_slab / mempool_free_pages. */
  private freeFn(e: MempoolElement, ip: number): void {
    const d = this.poolData;
    if (d.kind === "kmalloc") this.mm.kfree(e, ip);
    else if (d.kind === "slab") this.mm.kmemCacheFree(d.cache, e, ip);
    else this.mm.freePages(e, d.order);
  }

  private checkLive(fn: string): void {
    if (this.exited) throw new Error(`${fn}: the pool has been destroyed by mempool_exit()`);
  }
}
