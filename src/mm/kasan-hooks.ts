/**
 * The KASAN hooks that the memory allocators call — the model of include/linux/kasan.h as seen
 * from mm/. The allocators depend only on this interface; the KASAN layer (src/kasan/) provides
 * one implementation per mode and a no-op one for KASAN off. Each method names the kernel hook
 * it stands for. Pointers are simulated `Ptr` numbers (src/arch/pointer.ts); pages are pfns.
 */
import type { Ptr } from "../arch/pointer.js";

/** What KASAN needs to know about a kmem_cache (implemented by the slab allocator's cache). */
export interface KasanCacheView {
  readonly name: string;
  /** s->object_size: the size callers asked for (kmalloc caches: the class size). */
  readonly objectSize: number;
  /** s->size: the full stride of one object slot, metadata and redzones included. */
  readonly size: number;
  /** SLAB_* flags (see mm/slab/flags). */
  readonly flags: number;
  readonly hasCtor: boolean;
  /** A kmalloc-* cache (alloc stacks are saved by kasan_kmalloc rather than kasan_slab_alloc). */
  readonly isKmalloc: boolean;
  /** Generic mode per-cache metadata placement, filled in by `cacheCreate`. */
  readonly kasanInfo: KasanCacheInfo;
}

/** struct kasan_cache: where Generic KASAN keeps its per-object metadata (offsets in the slot). */
export interface KasanCacheInfo {
  /** Offset of struct kasan_alloc_meta in the slot, or 0 when there is none. */
  allocMetaOffset: number;
  /** Offset of struct kasan_free_meta, or KASAN_NO_FREE_META. */
  freeMetaOffset: number;
}

export const KASAN_NO_FREE_META = 0x7fffffff;

/** Sizes and flags a cache is being created with; `cacheCreate` may grow `size` and add flags. */
export interface KasanCacheCreateArgs {
  objectSize: number;
  /** Current slot size (object plus whatever SLUB already laid out); updated in place. */
  size: number;
  flags: number;
  hasCtor: boolean;
  readonly info: KasanCacheInfo;
}

/** KASAN_VMALLOC_* flags passed to kasan_unpoison_vmalloc. */
export const KASAN_VMALLOC_NONE = 0x00;
export const KASAN_VMALLOC_INIT = 0x01;
export const KASAN_VMALLOC_VM_ALLOC = 0x02;
export const KASAN_VMALLOC_PROT_NORMAL = 0x04;
export const KASAN_VMALLOC_KEEP_TAG = 0x08;

export interface KasanHooks {
  /** kasan_enabled(): false when KASAN is off (or hw_tags disabled with kasan=off). */
  readonly enabled: boolean;
  /** kasan_hw_tags_enabled(). */
  readonly hwTagsEnabled: boolean;
  /** kasan_has_integrated_init(): KASAN zeroes while tagging (hw_tags only). */
  readonly hasIntegratedInit: boolean;
  /** KASAN_GRANULE_SIZE (8 generic, 16 tag modes; 8 when off, for alignment purposes). */
  readonly granuleSize: number;
  /** kasan_vmalloc_enabled() (kasan.vmalloc=, hw_tags; true for software modes with KASAN_VMALLOC). */
  readonly vmallocEnabled: boolean;

  // --- page allocator (mm/page_alloc.c) ---
  /** kasan_unpoison_pages(page, order, init): false if not unpoisoned (hw: sampled out). */
  unpoisonPages(pfn: number, order: number, init: boolean): boolean;
  /** kasan_poison_pages(page, order, init). */
  poisonPages(pfn: number, order: number, init: boolean): void;

  // --- slab (mm/slub.c, mm/slab_common.c) ---
  /** kasan_cache_create(cache, &size, &flags): Generic metadata and redzone layout. */
  cacheCreate(args: KasanCacheCreateArgs): void;
  /** kasan_poison_slab(slab): page tags to 0xFF, whole slab poisoned KASAN_SLAB_REDZONE. */
  poisonSlab(firstPfn: number, order: number): void;
  /** kasan_init_slab_obj(cache, object): returns the object pointer with its preassigned tag. */
  initSlabObj(cache: KasanCacheView, object: Ptr): Ptr;
  /** kasan_unpoison_new_object / kasan_poison_new_object: bracket around a constructor call. */
  unpoisonNewObject(cache: KasanCacheView, object: Ptr): void;
  poisonNewObject(cache: KasanCacheView, object: Ptr): void;
  /** kasan_slab_alloc(cache, object, flags, init): returns the tagged pointer. */
  slabAlloc(cache: KasanCacheView, object: Ptr, gfp: number, init: boolean): Ptr;
  /** kasan_kmalloc(cache, object, size, flags). */
  kmalloc(cache: KasanCacheView, object: Ptr, size: number, gfp: number): Ptr;
  /** kasan_kmalloc_large(ptr, size, flags). */
  kmallocLarge(ptr: Ptr, size: number, gfp: number): Ptr;
  /** kasan_krealloc(object, new_size, flags): in-place resize. */
  krealloc(cache: KasanCacheView | undefined, object: Ptr, newSize: number, gfp: number): Ptr;
  /**
   * kasan_slab_pre_free(cache, object): true = bad free reported, caller must not free.
   * `nearestObject` is nearest_obj(cache, slab, object) as an untagged offset, which SLUB knows
   * already; when omitted KASAN asks its AddressDescriber.
   */
  slabPreFree(cache: KasanCacheView, object: Ptr, ip: number, nearestObject?: number): boolean;
  /** kasan_slab_free(cache, object, init, still_accessible): true = KASAN keeps it (quarantine). */
  slabFree(cache: KasanCacheView, object: Ptr, init: boolean, stillAccessible: boolean): boolean;
  /** kasan_kfree_large(ptr): true = bad free reported (6.12's caller frees the pages anyway). */
  kfreeLarge(ptr: Ptr, headPfn: number, ip: number): boolean;
  /**
   * kasan_check_byte(ptr): false (after a report) when the byte is not accessible. `caller` is
   * the function the inline check sits in (ksize, krealloc_noprof, kmem_cache_destroy): the
   * frame under __kasan_check_byte in the report's call trace.
   */
  checkByte(ptr: Ptr, ip: number, caller?: string): boolean;
  /** kasan_mempool_poison_object(ptr): an element returns to a kmalloc/slab mempool; false = bad free reported, keep it out. */
  mempoolPoisonObject(ptr: Ptr, ip: number): boolean;
  /** kasan_mempool_unpoison_object(ptr, size): a kmalloc/slab mempool element is handed out. */
  mempoolUnpoisonObject(ptr: Ptr, size: number, ip: number): void;
  /** kasan_mempool_poison_pages(page, order): a page mempool element returns; false = bad free reported. */
  mempoolPoisonPages(pfn: number, order: number, ip: number): boolean;
  /** kasan_mempool_unpoison_pages(page, order): a page mempool element is handed out. */
  mempoolUnpoisonPages(pfn: number, order: number, ip: number): void;
  /** kasan_unpoison_range(addr, size). */
  unpoisonRange(ptr: Ptr, size: number): void;
  /** kasan_record_aux_stack(ptr) (call_rcu, queue_work). */
  recordAuxStack(ptr: Ptr): void;
  /** kasan_quarantine_reduce() (the common hooks call it themselves from slab_alloc/kmalloc). */
  quarantineReduce(): void;
  /** kasan_cache_shutdown(cache): drop the cache's objects from quarantine. */
  cacheShutdown(cache: KasanCacheView): void;

  // --- vmalloc (mm/vmalloc.c) ---
  /** kasan_populate_vmalloc(addr, size): software modes map shadow, filled KASAN_VMALLOC_INVALID. */
  populateVmalloc(start: Ptr, size: number): void;
  /** kasan_release_vmalloc(start, end, free_region_start, free_region_end). */
  releaseVmalloc(start: Ptr, end: Ptr): void;
  /** kasan_unpoison_vmalloc(start, size, flags): returns the (possibly tagged) start. */
  unpoisonVmalloc(start: Ptr, size: number, flags: number, backingPfns: readonly number[]): Ptr;
  /** kasan_poison_vmalloc(start, size). */
  poisonVmalloc(start: Ptr, size: number): void;

  /** kasan_reset_tag(ptr). */
  resetTag(ptr: Ptr): Ptr;
}
