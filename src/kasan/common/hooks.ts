/**
 * The KASAN hooks mm calls (include/linux/kasan.h wrappers + the __kasan_* bodies of
 * mm/kasan/common.c, 6.12), written once for every mode on top of a KasanBackend.
 * Each wrapper first checks kasan_enabled(), as the inline wrappers do.
 */
import { makePtr, ptrOffset, type Ptr, TAG_KERNEL, userPtr } from "../../arch/pointer.js";
import type { KasanCacheCreateArgs, KasanCacheView, KasanHooks } from "../../mm/kasan-hooks.js";
import { getOrder, PAGE_SIZE, pfnToOffset } from "../../mm/memory-layout.js";
import { gfpflagsAllowBlocking, roundUp } from "../constants.js";
import { SLAB_TYPESAFE_BY_RCU } from "../../mm/slab/flags.js";
import type { KasanBackend } from "./backend.js";
import type { KasanEnv } from "./env.js";

/** ZERO_SIZE_PTR: what kmalloc(0) returns, ((void *)16). */
export const ZERO_SIZE_PTR = userPtr(16);

export class KasanCommonHooks implements KasanHooks {
  constructor(
    readonly backend: KasanBackend,
    private readonly env: KasanEnv,
  ) {}

  get enabled(): boolean {
    return this.backend.enabled;
  }
  get hwTagsEnabled(): boolean {
    return this.backend.hwTagsEnabled;
  }
  get hasIntegratedInit(): boolean {
    return this.backend.hasIntegratedInit;
  }
  get granuleSize(): number {
    return this.backend.granuleSize;
  }
  get vmallocEnabled(): boolean {
    return this.backend.vmallocEnabled;
  }

  // --- page allocator ---

  /** __kasan_unpoison_pages(): one random tag for the whole block, also stored in each page. */
  unpoisonPages(pfn: number, order: number, init: boolean): boolean {
    const b = this.backend;
    if (!b.enabled) return false;
    if (!b.samplePageAlloc(order)) return false;
    const tag = b.randomTag();
    b.unpoison(b.setTag(b.pageAddress(pfn), tag), PAGE_SIZE * 2 ** order, init);
    for (let i = 0; i < 2 ** order; i++) b.pageKasanTagSet(pfn + i, tag);
    return true;
  }

  /** __kasan_poison_pages(): KASAN_PAGE_FREE over the block. */
  poisonPages(pfn: number, order: number, init: boolean): void {
    const b = this.backend;
    if (!b.enabled) return;
    b.poison(b.pageAddress(pfn), PAGE_SIZE * 2 ** order, b.poisonValues.pageFree, init);
  }

  // --- slab ---

  /** kasan_cache_create(). */
  cacheCreate(args: KasanCacheCreateArgs): void {
    if (!this.backend.enabled) return;
    this.backend.cacheCreate(args);
  }

  /** __kasan_poison_slab(): page tags reset to 0xFF, whole slab KASAN_SLAB_REDZONE. */
  poisonSlab(firstPfn: number, order: number): void {
    const b = this.backend;
    if (!b.enabled) return;
    const n = 2 ** order;
    for (let i = 0; i < n; i++) b.pageKasanTagReset(firstPfn + i);
    b.poison(b.pageAddress(firstPfn), PAGE_SIZE * n, b.poisonValues.slabRedzone, false);
  }

  /** assign_tag(): which tag an object gets at slab creation (init) or at allocation. */
  private assignTag(cache: KasanCacheView, object: Ptr, init: boolean): number {
    const b = this.backend;
    if (b.mode === "generic") return 0xff;
    if (!cache.hasCtor && (cache.flags & SLAB_TYPESAFE_BY_RCU) === 0) return init ? 0xff : b.randomTag();
    // Caches with a constructor or SLAB_TYPESAFE_BY_RCU keep the tag chosen at slab creation.
    return init ? b.randomTag() : b.getTag(object);
  }

  /** __kasan_init_slab_obj(): reset Generic metadata, preassign the tag. */
  initSlabObj(cache: KasanCacheView, object: Ptr): Ptr {
    const b = this.backend;
    if (!b.enabled) return object;
    if (b.requiresMeta) b.initObjectMeta(cache, object);
    return b.setTag(object, this.assignTag(cache, object, true));
  }

  /** __kasan_unpoison_new_object(). */
  unpoisonNewObject(cache: KasanCacheView, object: Ptr): void {
    if (!this.backend.enabled) return;
    this.backend.unpoison(object, cache.objectSize, false);
  }

  /** __kasan_poison_new_object(). */
  poisonNewObject(cache: KasanCacheView, object: Ptr): void {
    const b = this.backend;
    if (!b.enabled) return;
    b.poison(object, roundUp(cache.objectSize, b.granuleSize), b.poisonValues.slabRedzone, false);
  }

  /** __kasan_slab_alloc(). */
  slabAlloc(cache: KasanCacheView, object: Ptr, gfp: number, init: boolean): Ptr {
    const b = this.backend;
    if (!b.enabled) return object;
    if (gfpflagsAllowBlocking(gfp)) b.quarantineReduce();
    const tagged = b.setTag(object, this.assignTag(cache, object, false));
    // unpoison_slab_object(): whole object; kmalloc redzones come from kasan_kmalloc().
    b.unpoison(tagged, cache.objectSize, init);
    if (b.stackCollectionEnabled && !cache.isKmalloc) b.saveAllocInfo(cache, tagged, gfp);
    return tagged;
  }

  /** poison_kmalloc_redzone(). */
  private poisonKmallocRedzone(cache: KasanCacheView, object: Ptr, size: number, gfp: number): void {
    const b = this.backend;
    const g = b.granuleSize;
    b.poisonLastGranule(object, size);
    const base = ptrOffset(object);
    const start = roundUp(base + size, g);
    const end = roundUp(base + cache.objectSize, g);
    if (end > start) b.poison(start, end - start, b.poisonValues.slabRedzone, false);
    if (b.stackCollectionEnabled && cache.isKmalloc) b.saveAllocInfo(cache, object, gfp);
  }

  /** __kasan_kmalloc(). */
  kmalloc(cache: KasanCacheView, object: Ptr, size: number, gfp: number): Ptr {
    const b = this.backend;
    if (!b.enabled) return object;
    if (gfpflagsAllowBlocking(gfp)) b.quarantineReduce();
    this.poisonKmallocRedzone(cache, object, size, gfp);
    return object;
  }

  /** page_size(virt_to_page(ptr)) of a page-backed kmalloc, via the describer when wired. */
  private largeKmallocBytes(ptr: Ptr, size: number): number {
    const d = this.env.describer?.describe(ptrOffset(ptr));
    if (d !== undefined && d.kind === "page") return PAGE_SIZE * 2 ** d.order;
    return PAGE_SIZE * 2 ** getOrder(size); // __kmalloc_large_node allocates get_order(size)
  }

  /** poison_kmalloc_large_redzone(): KASAN_PAGE_REDZONE to the end of the compound page. */
  private poisonKmallocLargeRedzone(ptr: Ptr, size: number): void {
    const b = this.backend;
    b.poisonLastGranule(ptr, size);
    const base = ptrOffset(ptr);
    const start = roundUp(base + size, b.granuleSize);
    const end = base + this.largeKmallocBytes(ptr, size);
    b.poison(start, end - start, b.poisonValues.pageRedzone, false);
  }

  /** __kasan_kmalloc_large(). */
  kmallocLarge(ptr: Ptr, size: number, gfp: number): Ptr {
    const b = this.backend;
    if (!b.enabled) return ptr;
    if (gfpflagsAllowBlocking(gfp)) b.quarantineReduce();
    this.poisonKmallocLargeRedzone(ptr, size);
    return ptr;
  }

  /** __kasan_krealloc(): in-place resize keeps the tag; redzones redone for the new size. */
  krealloc(cache: KasanCacheView | undefined, object: Ptr, newSize: number, gfp: number): Ptr {
    const b = this.backend;
    if (!b.enabled) return object;
    if (gfpflagsAllowBlocking(gfp)) b.quarantineReduce();
    if (object === ZERO_SIZE_PTR) return object;
    b.unpoison(object, newSize, false);
    if (cache === undefined) this.poisonKmallocLargeRedzone(object, newSize);
    else this.poisonKmallocRedzone(cache, object, newSize, gfp);
    return object;
  }

  /** check_slab_allocation(): invalid-free if not an object start, double-free if not accessible. */
  private checkSlabAllocation(_cache: KasanCacheView, object: Ptr, ip: number, nearestObject?: number): boolean {
    const b = this.backend;
    const off = ptrOffset(object);
    let nearest = nearestObject;
    if (nearest === undefined) {
      const d = this.env.describer?.describe(off);
      if (d !== undefined && d.kind === "slab") nearest = d.objectStart;
    }
    if (nearest !== undefined && nearest !== off) {
      this.env.reporter.reportInvalidFree(object, ip, "invalid-free");
      return true;
    }
    if (!b.byteAccessible(object)) {
      this.env.reporter.reportInvalidFree(object, ip, "double-free");
      return true;
    }
    return false;
  }

  /** __kasan_slab_pre_free(). */
  slabPreFree(cache: KasanCacheView, object: Ptr, ip: number, nearestObject?: number): boolean {
    if (!this.backend.enabled) return false;
    return this.checkSlabAllocation(cache, object, ip, nearestObject);
  }

  /** poison_slab_object(). */
  private poisonSlabObject(cache: KasanCacheView, object: Ptr, init: boolean, stillAccessible: boolean, untagged?: Ptr): void {
    const b = this.backend;
    // SLAB_TYPESAFE_BY_RCU objects freed without an RCU delay may still be read legally.
    if (stillAccessible) return;
    b.poison(untagged ?? b.resetTag(object), roundUp(cache.objectSize, b.granuleSize), b.poisonValues.slabFree, init);
    if (b.stackCollectionEnabled) b.saveFreeInfo(cache, object);
  }

  /** __kasan_slab_free(): true when the quarantine took the object. */
  slabFree(cache: KasanCacheView, object: Ptr, init: boolean, stillAccessible: boolean): boolean {
    const b = this.backend;
    if (!b.enabled) return false;
    const untagged = b.resetTag(object); // kasan_reset_tag(object), once for both uses
    this.poisonSlabObject(cache, object, init, stillAccessible, untagged);
    return b.quarantinePut(cache, untagged);
  }

  /** check_page_allocation() for kfree() of a page-backed kmalloc (true = bad free reported). */
  kfreeLarge(ptr: Ptr, headPfn: number, ip: number): boolean {
    if (!this.backend.enabled) return false;
    return this.checkPageAllocation(ptr, headPfn, ip);
  }

  /** __kasan_check_byte(): report a 1-byte read if the byte is not accessible. */
  checkByte(ptr: Ptr, ip: number, caller?: string): boolean {
    const b = this.backend;
    if (!b.enabled) return true;
    if (!b.byteAccessible(ptr)) {
      const via = caller === undefined ? ["__kasan_check_byte"] : ["__kasan_check_byte", caller];
      this.env.reporter.reportingVia(via, () => this.env.reporter.report(ptr, 1, false, ip));
      return false;
    }
    return true;
  }

  /** __kasan_unpoison_range(). */
  unpoisonRange(ptr: Ptr, size: number): void {
    if (!this.backend.enabled) return;
    this.backend.unpoison(ptr, size, false);
  }

  // --- mempool (mm/mempool.c add_element / remove_element) ---

  /** check_page_allocation(): a page-backed element must be its block's page_address() and accessible. */
  private checkPageAllocation(ptr: Ptr, headPfn: number, ip: number): boolean {
    const b = this.backend;
    // ptr != page_address(virt_to_head_page(ptr)); Generic pointers carry no tag to compare.
    const head = b.pageAddress(headPfn);
    const same = b.mode === "generic" ? ptrOffset(ptr) === ptrOffset(head) : ptr === head;
    if (!same) {
      this.env.reporter.reportInvalidFree(ptr, ip, "invalid-free");
      return true;
    }
    if (!b.byteAccessible(ptr)) {
      this.env.reporter.reportInvalidFree(ptr, ip, "double-free");
      return true;
    }
    return false;
  }

  /** __kasan_mempool_poison_object(): slab elements like a free without quarantine; page-backed kmalloc elements get KASAN_PAGE_FREE. */
  mempoolPoisonObject(ptr: Ptr, ip: number): boolean {
    const b = this.backend;
    if (!b.enabled) return true;
    const d = this.env.describer?.describe(ptrOffset(ptr));
    if (d === undefined || d.kind === "vmalloc") return true;
    if (d.kind === "page") {
      if (this.checkPageAllocation(ptr, d.headPfn, ip)) return false;
      b.poison(b.resetTag(ptr), PAGE_SIZE * 2 ** d.order, b.poisonValues.pageFree, false);
      return true;
    }
    if (this.checkSlabAllocation(d.cache, ptr, ip, d.objectStart)) return false;
    this.poisonSlabObject(d.cache, ptr, false, false);
    return true;
  }

  /** __kasan_mempool_unpoison_object(): unpoison_slab_object + kmalloc redzones, or the kmalloc_large path. */
  mempoolUnpoisonObject(ptr: Ptr, size: number, _ip: number): void {
    const b = this.backend;
    if (!b.enabled) return;
    const d = this.env.describer?.describe(ptrOffset(ptr));
    if (d === undefined || d.kind !== "slab") {
      b.unpoison(ptr, size, false);
      this.poisonKmallocLargeRedzone(ptr, size);
      return;
    }
    // gfp 0: the caller may hold a lock.
    b.unpoison(ptr, d.cache.objectSize, false);
    if (b.stackCollectionEnabled && !d.cache.isKmalloc) b.saveAllocInfo(d.cache, ptr, 0);
    if (d.cache.isKmalloc) this.poisonKmallocRedzone(d.cache, ptr, size, 0);
  }

  /** __kasan_mempool_poison_pages(): KASAN_PAGE_FREE over the block after the free checks. */
  mempoolPoisonPages(pfn: number, order: number, ip: number): boolean {
    const b = this.backend;
    if (!b.enabled) return true;
    // Sampled-out allocations were never tagged.
    if (!b.samplePageAlloc(order) && b.getTag(b.pageAddress(pfn)) === TAG_KERNEL) return true;
    const ptr = b.pageAddress(pfn);
    if (this.checkPageAllocation(ptr, pfn, ip)) return false;
    b.poison(b.resetTag(ptr), PAGE_SIZE * 2 ** order, b.poisonValues.pageFree, false);
    return true;
  }

  /** __kasan_mempool_unpoison_pages() = __kasan_unpoison_pages(page, order, false). */
  mempoolUnpoisonPages(pfn: number, order: number, _ip: number): void {
    this.unpoisonPages(pfn, order, false);
  }

  /** kasan_record_aux_stack(). */
  recordAuxStack(ptr: Ptr): void {
    if (!this.backend.enabled) return;
    this.backend.recordAuxStack(ptr, true);
  }

  /** kasan_record_aux_stack_noalloc(). */
  recordAuxStackNoalloc(ptr: Ptr): void {
    if (!this.backend.enabled) return;
    this.backend.recordAuxStack(ptr, false);
  }

  quarantineReduce(): void {
    if (!this.backend.enabled) return;
    this.backend.quarantineReduce();
  }

  /** kasan_cache_shutdown() / kasan_cache_shrink(): drop the cache's quarantined objects. */
  cacheShutdown(cache: KasanCacheView): void {
    if (!this.backend.enabled) return;
    this.backend.quarantineRemoveCache(cache);
  }

  // --- vmalloc ---

  populateVmalloc(start: Ptr, size: number): void {
    if (!this.backend.enabled) return;
    this.backend.populateVmalloc(start, size);
  }

  releaseVmalloc(start: Ptr, end: Ptr): void {
    if (!this.backend.enabled) return;
    this.backend.releaseVmalloc(start, end);
  }

  unpoisonVmalloc(start: Ptr, size: number, flags: number, backingPfns: readonly number[]): Ptr {
    if (!this.backend.enabled) return start;
    return this.backend.unpoisonVmalloc(start, size, flags, backingPfns);
  }

  poisonVmalloc(start: Ptr, size: number): void {
    if (!this.backend.enabled) return;
    this.backend.poisonVmalloc(start, size);
  }

  resetTag(ptr: Ptr): Ptr {
    return this.backend.resetTag(ptr);
  }

  /** Linear-map address of a page with its tag (page_address()), for callers and tests. */
  pageAddress(pfn: number): Ptr {
    return this.backend.enabled ? this.backend.pageAddress(pfn) : makePtr(TAG_KERNEL, pfnToOffset(pfn));
  }
}
