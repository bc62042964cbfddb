/**
 * The per-mode backend behind the common hooks (src/kasan/common/hooks.ts). The common layer
 * holds the __kasan_* logic of mm/kasan/common.c; everything that differs between Generic,
 * SW_TAGS and HW_TAGS — how memory is poisoned, what a tag is, how an access is checked, where
 * alloc/free stacks are kept, whether there is a quarantine — is behind this interface.
 * hw_tags implements it later on top of the arch MTE model.
 */
import type { Ptr } from "../../arch/pointer.js";
import type { KasanCacheCreateArgs, KasanCacheView } from "../../mm/kasan-hooks.js";
import type { PoisonValues } from "../constants.js";
import type { ReportModeOps } from "../report/reporter.js";

export type KasanBackendMode = "generic" | "sw_tags" | "hw_tags";

export interface KasanBackend extends ReportModeOps {
  readonly mode: KasanBackendMode;
  /** KASAN_GRANULE_SIZE. */
  readonly granuleSize: number;
  /** kasan_enabled() (always true for the software modes). */
  readonly enabled: boolean;
  /** kasan_hw_tags_enabled(). */
  readonly hwTagsEnabled: boolean;
  /** kasan_has_integrated_init(). */
  readonly hasIntegratedInit: boolean;
  /** kasan_vmalloc_enabled(). */
  readonly vmallocEnabled: boolean;
  /** kasan_stack_collection_enabled(). */
  readonly stackCollectionEnabled: boolean;
  /** kasan_requires_meta(): per-object metadata (Generic). */
  readonly requiresMeta: boolean;
  /** KASAN_PAGE_FREE, KASAN_SLAB_REDZONE, … for this mode. */
  readonly poisonValues: PoisonValues;

  // --- tags ---
  /** kasan_random_tag(). Generic: 0. */
  randomTag(): number;
  /** get_tag(ptr). */
  getTag(p: Ptr): number;
  /** set_tag(ptr, tag); a no-op for Generic. */
  setTag(p: Ptr, tag: number): Ptr;
  /** kasan_reset_tag(ptr). */
  resetTag(p: Ptr): Ptr;
  /** page_address(page): the linear-map pointer, tagged with the page tag in tag modes. */
  pageAddress(pfn: number): Ptr;
  /** page_kasan_tag_set / page_kasan_tag_reset (no-ops without tags). */
  pageKasanTagSet(pfn: number, tag: number): void;
  pageKasanTagReset(pfn: number): void;
  /** kasan_sample_page_alloc(order) (hw_tags sampling; true elsewhere). */
  samplePageAlloc(order: number): boolean;

  // --- poisoning primitives ---
  /** kasan_poison(addr, size, value, init). */
  poison(p: Ptr, size: number, value: number, init: boolean): void;
  /** kasan_unpoison(addr, size, init): uses the pointer's tag. */
  unpoison(p: Ptr, size: number, init: boolean): void;
  /** kasan_poison_last_granule(addr, size) (Generic byte precision; no-op elsewhere). */
  poisonLastGranule(p: Ptr, size: number): void;
  /** kasan_byte_accessible(addr). */
  byteAccessible(p: Ptr): boolean;

  // --- checks ---
  /**
   * An instrumented access: `constantSize` selects the compiler's fixed-size check
   * (__asan_load1/2/4/8/16) rather than the variable-size one (kasan_check_range). Returns
   * false when the access was reported (and must not be performed).
   */
  checkAccess(p: Ptr, size: number, write: boolean, ip: number, constantSize: boolean): boolean;

  // --- per-object info, quarantine ---
  /** kasan_cache_create() (Generic metadata layout; no-op elsewhere). */
  cacheCreate(args: KasanCacheCreateArgs): void;
  /** kasan_init_object_meta(). */
  initObjectMeta(cache: KasanCacheView, object: Ptr): void;
  /** kasan_save_alloc_info(). */
  saveAllocInfo(cache: KasanCacheView, object: Ptr, gfp: number): void;
  /** kasan_save_free_info(). */
  saveFreeInfo(cache: KasanCacheView, object: Ptr): void;
  /** kasan_quarantine_put(): true = KASAN keeps the object for now. */
  quarantinePut(cache: KasanCacheView, object: Ptr): boolean;
  /** kasan_quarantine_reduce(). */
  quarantineReduce(): void;
  /** kasan_quarantine_remove_cache(). */
  quarantineRemoveCache(cache: KasanCacheView): void;
  /** kasan_record_aux_stack(addr) (Generic). */
  recordAuxStack(p: Ptr, canAlloc: boolean): void;

  // --- vmalloc ---
  populateVmalloc(start: Ptr, size: number): void;
  releaseVmalloc(start: Ptr, end: Ptr): void;
  unpoisonVmalloc(start: Ptr, size: number, flags: number, backingPfns: readonly number[]): Ptr;
  poisonVmalloc(start: Ptr, size: number): void;
}
