/**
 * Software tag-based KASAN (CONFIG_KASAN_SW_TAGS, mm/kasan/sw_tags.c, report_sw_tags.c, the
 * shadow parts of shadow.c): 1:16 shadow holding each granule's 8-bit memory tag; pointers carry
 * a tag in the top byte (TBI); an access matches if the pointer tag is 0xFF (match-all, native
 * kernel pointers) or equals the tag of every granule it touches. Random tags come from a
 * per-CPU LCG; alloc/free stacks go to the stack ring. No quarantine, no per-object metadata.
 */
import { ptrOffset, ptrTag, type Ptr, setTag, TAG_KERNEL } from "../../arch/pointer.js";
import type { KasanCacheCreateArgs, KasanCacheView } from "../../mm/kasan-hooks.js";
import type { Prng } from "../../lib/prng.js";
import type { KasanBackend } from "../common/backend.js";
import type { KasanEnv } from "../common/env.js";
import { untaggedPtr } from "../common/untag.js";
import { accessWraps } from "../common/wrap.js";
import { KASAN_TAG_INVALID, TAGS_POISON } from "../constants.js";
import type { PageTags } from "../page-tags.js";
import type { ReportInfo } from "../report/reporter.js";
import { ShadowMemory } from "../shadow/shadow-memory.js";
import { SoftwareShadowBackend } from "../shadow/software-backend.js";
import { KasanTags } from "../tags/kasan-tags.js";
import type { StackRing } from "../tags/stack-ring.js";
import { SwTagsLcg } from "./lcg.js";

/** KASAN_SHADOW_SCALE_SHIFT for SW_TAGS. */
export const SW_TAGS_SHADOW_SCALE_SHIFT = 4;
/** KASAN_SHADOW_INIT for SW_TAGS: what kasan_init() leaves in linear-map shadow. */
export const KASAN_SHADOW_INIT_SW_TAGS = KASAN_TAG_INVALID;

export interface SwTagsOptions {
  /** CONFIG_KASAN_VMALLOC (default on). */
  vmalloc?: boolean;
}

export class SwTagsBackend extends SoftwareShadowBackend implements KasanBackend {
  readonly mode = "sw_tags" as const;
  readonly requiresMeta = false;
  readonly poisonValues = TAGS_POISON;
  readonly lcg: SwTagsLcg;
  /** kasan_flag_stacktrace after kasan_init_tags(). */
  readonly stackCollectionEnabled: boolean;
  readonly stackRing: StackRing | undefined;
  readonly memoryTagAt: (offset: number) => number;
  /** The stack ring and page-tag glue shared with HW_TAGS (tags.c). */
  private readonly tags: KasanTags;

  constructor(env: KasanEnv, prng: Prng, pageTags: PageTags, opts: SwTagsOptions = {}) {
    super(env, new ShadowMemory(SW_TAGS_SHADOW_SCALE_SHIFT, KASAN_SHADOW_INIT_SW_TAGS, TAGS_POISON.vmallocInvalid, env.counters), opts.vmalloc ?? true);
    this.lcg = new SwTagsLcg(env.ctx.nrCpus, prng, env.counters);
    this.tags = new KasanTags(env, pageTags, env.params.kasanStacktrace);
    this.stackCollectionEnabled = this.tags.stackCollectionEnabled;
    this.stackRing = this.tags.stackRing;
    this.memoryTagAt = (offset: number) => this.shadow.get(offset);
  }

  randomTag(): number {
    return this.lcg.next(this.env.ctx.cpu);
  }
  getTag(p: Ptr): number {
    return ptrTag(p);
  }
  setTag(p: Ptr, tag: number): Ptr {
    return setTag(p, tag);
  }
  resetTag(p: Ptr): Ptr {
    return untaggedPtr(ptrOffset(p));
  }
  pageAddress(pfn: number): Ptr {
    return this.tags.pageAddress(pfn);
  }
  pageKasanTagSet(pfn: number, tag: number): void {
    this.tags.pageKasanTagSet(pfn, tag);
  }
  pageKasanTagReset(pfn: number): void {
    this.tags.pageKasanTagReset(pfn);
  }
  samplePageAlloc(_order: number): boolean {
    return true;
  }

  /** Tag-based modes never tag executable vmalloc mappings (the PC must stay untagged). */
  protected skipVmallocUnpoison(flags: number): boolean {
    return !SoftwareShadowBackend.isProtNormal(flags);
  }

  poisonLastGranule(_p: Ptr, _size: number): void {}

  /** kasan_byte_accessible(): match-all pointer, or pointer tag equals the granule's tag. */
  byteAccessible(p: Ptr): boolean {
    const off = ptrOffset(p);
    if (!ShadowMemory.hasMetadata(off)) return false;
    const tag = ptrTag(p);
    return tag === TAG_KERNEL || tag === this.shadow.get(off);
  }

  /** kasan_check_range() (behind __hwasan_load/storeN_noabort and the mem* interceptors). */
  checkAccess(p: Ptr, size: number, write: boolean, ip: number, _constantSize: boolean): boolean {
    this.env.counters.cur.shadowChecks += 1;
    if (size === 0) return true;
    if (accessWraps(p, size)) return !this.env.reporter.report(p, size, write, ip);
    const tag = ptrTag(p);
    if (tag === TAG_KERNEL) return true;
    const addr = ptrOffset(p);
    if (!ShadowMemory.hasMetadata(addr)) return !this.env.reporter.report(p, size, write, ip);
    if (this.shadow.findNotEqual(addr, addr + size, tag) < 0) return true;
    return !this.env.reporter.report(p, size, write, ip);
  }

  // --- no per-object metadata or quarantine; stacks go to the ring ---
  cacheCreate(_args: KasanCacheCreateArgs): void {}
  initObjectMeta(_cache: KasanCacheView, _object: Ptr): void {}
  saveAllocInfo(cache: KasanCacheView, object: Ptr, gfp: number): void {
    this.tags.saveAllocInfo(cache, object, gfp);
  }
  saveFreeInfo(cache: KasanCacheView, object: Ptr): void {
    this.tags.saveFreeInfo(cache, object);
  }
  quarantinePut(_cache: KasanCacheView, _object: Ptr): boolean {
    return false;
  }
  quarantineReduce(): void {}
  quarantineRemoveCache(_cache: KasanCacheView): void {}
  recordAuxStack(_p: Ptr, _canAlloc: boolean): void {}

  // --- report_sw_tags.c / report_tags.c ---

  /** kasan_find_first_bad_addr(): steps of 16 from the untagged addr while the tag matches. */
  findFirstBadAddr(p: Ptr, size: number): number {
    return this.firstBadAddrWhileShadow(ptrOffset(p), size, ptrTag(p));
  }

  /** kasan_get_alloc_size(): 16 per granule until the first KASAN_TAG_INVALID. */
  getAllocSize(object: number, cache: KasanCacheView): number {
    let size = 0;
    let a = object;
    while (size < cache.objectSize) {
      if (this.shadow.get(a) !== KASAN_TAG_INVALID) size += 16;
      else return size;
      a += 16;
    }
    return cache.objectSize;
  }

  completeModeReportInfo(info: ReportInfo): void {
    this.tags.completeModeReportInfo(info);
  }
}
