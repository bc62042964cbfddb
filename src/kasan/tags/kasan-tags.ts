/**
 * What SW_TAGS and HW_TAGS share (mm/kasan/tags.c plus the page_kasan_tag glue): the stack ring
 * set up by kasan_init_tags(), kasan_save_{alloc,free}_info() recording into it, page addresses
 * tagged with page_kasan_tag(), and the report_tags.c completion of a report. Each tag-mode
 * backend owns one and delegates to it, keeping only what differs between the two modes.
 */
import { makePtr, type Ptr } from "../../arch/pointer.js";
import { effectiveStackRingSize } from "../../config/boot-params.js";
import type { KasanCacheView } from "../../mm/kasan-hooks.js";
import { pfnToOffset } from "../../mm/memory-layout.js";
import type { KasanEnv } from "../common/env.js";
import type { PageTags } from "../page-tags.js";
import type { ReportInfo } from "../report/reporter.js";
import { completeTagsReportInfo } from "./report-tags.js";
import { STACK_RING_MAX_ENTRIES, StackRing } from "./stack-ring.js";

export class KasanTags {
  /** kasan_flag_stacktrace after kasan_init_tags(). */
  readonly stackCollectionEnabled: boolean;
  readonly stackRing: StackRing | undefined;

  /** kasan_init_tags(): the stack ring when `wantStacks` (kasan.stacktrace=on), unless its allocation fails. */
  constructor(
    private readonly env: KasanEnv,
    private readonly pageTags: PageTags,
    wantStacks: boolean,
  ) {
    let stacks = wantStacks;
    let ring: StackRing | undefined = undefined;
    if (stacks) {
      const size = effectiveStackRingSize(env.params);
      if (size > STACK_RING_MAX_ENTRIES) {
        // memblock_alloc() of the ring fails: WARN and disable stack collection.
        env.warn(`kasan_init_tags: stack ring of ${size} entries could not be allocated`);
        stacks = false;
      } else {
        ring = new StackRing(size, env.counters);
      }
    }
    this.stackCollectionEnabled = stacks;
    this.stackRing = ring;
  }

  /** kasan_save_alloc_info() → save_stack_info(…, is_free false): depot may allocate. */
  saveAllocInfo(cache: KasanCacheView, object: Ptr, gfp: number): void {
    this.stackRing?.saveRecord(object, cache.objectSize, this.env.ctx.pid, this.env.saveStack(gfp, true, cache.isKmalloc ? "kmalloc" : "kmem_cache_alloc"), false);
  }

  /** kasan_save_free_info() → save_stack_info(…, gfp 0, is_free true): STACK_DEPOT_FLAG_CAN_ALLOC with gfp 0. */
  saveFreeInfo(cache: KasanCacheView, object: Ptr): void {
    this.stackRing?.saveRecord(object, cache.objectSize, this.env.ctx.pid, this.env.saveStack(0, true, cache.isKmalloc ? "kfree" : "kmem_cache_free"), true);
  }

  /** page_address(): the linear-map pointer tagged with page_kasan_tag(). */
  pageAddress(pfn: number): Ptr {
    return makePtr(this.pageTags.kasanTag(pfn), pfnToOffset(pfn));
  }
  pageKasanTagSet(pfn: number, tag: number): void {
    this.pageTags.setKasanTag(pfn, tag);
  }
  pageKasanTagReset(pfn: number): void {
    this.pageTags.resetKasanTag(pfn);
  }

  /** kasan_complete_mode_report_info(): alloc/free tracks from the ring only while collection is on. */
  completeModeReportInfo(info: ReportInfo): void {
    completeTagsReportInfo(info, this.stackCollectionEnabled ? this.stackRing : undefined);
  }
}
