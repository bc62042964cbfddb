/**
 * Generic KASAN (CONFIG_KASAN_GENERIC, mm/kasan/generic.c + report_generic.c): 1:8 shadow with
 * byte precision, distinct poison codes, per-object alloc/free metadata, the quarantine, and
 * compiler-style checks (__asan_load/storeN with memory_is_poisoned_*). Pointers carry no tag:
 * get_tag() is 0 (so unpoisoning writes 0x00) and set_tag()/kasan_reset_tag() do nothing.
 */
import { ptrOffset, type Ptr, TAG_KERNEL } from "../../arch/pointer.js";
import { type KasanCacheCreateArgs, type KasanCacheView, KASAN_NO_FREE_META } from "../../mm/kasan-hooks.js";
import type { KasanBackend } from "../common/backend.js";
import type { KasanEnv } from "../common/env.js";
import { untaggedPtr } from "../common/untag.js";
import { accessWraps } from "../common/wrap.js";
import {
  GENERIC_POISON, KASAN_ALLOC_META_SIZE, KASAN_FREE_META_SIZE, KASAN_GLOBAL_REDZONE, KASAN_SLAB_FREE,
  KASAN_SLAB_FREE_META, KMALLOC_MAX_SIZE, roundUp,
} from "../constants.js";
import type { ReportInfo } from "../report/reporter.js";
import { ShadowMemory } from "../shadow/shadow-memory.js";
import { SoftwareShadowBackend } from "../shadow/software-backend.js";
import { SLAB_KASAN, SLAB_NO_MERGE, SLAB_TYPESAFE_BY_RCU } from "../../mm/slab/flags.js";
import { genericBugType } from "./bug-type.js";
import { memoryIsPoisonedConst, memoryIsPoisonedN } from "./memory-is-poisoned.js";
import { ObjectMetaTable } from "./object-meta.js";
import { Quarantine, type QuarantineConfig } from "./quarantine.js";
import { modPow2 } from "../../lib/align.js";

/** KASAN_SHADOW_SCALE_SHIFT for Generic. */
export const GENERIC_SHADOW_SCALE_SHIFT = 3;

/** optimal_redzone(object_size): the adaptive redzone taken from userspace ASan. */
export function optimalRedzone(objectSize: number): number {
  return objectSize <= 64 - 16 ? 16
    : objectSize <= 128 - 32 ? 32
    : objectSize <= 512 - 64 ? 64
    : objectSize <= 4096 - 128 ? 128
    : objectSize <= (1 << 14) - 256 ? 256
    : objectSize <= (1 << 15) - 512 ? 512
    : objectSize <= (1 << 16) - 1024 ? 1024
    : 2048;
}

export interface GenericOptions {
  /** CONFIG_KASAN_VMALLOC (default on). */
  vmalloc?: boolean;
  /** __slub_debug_enabled(): changes where free meta of tiny objects goes. */
  slubDebug?: boolean;
  quarantine: QuarantineConfig;
}

export class GenericBackend extends SoftwareShadowBackend implements KasanBackend {
  readonly mode = "generic" as const;
  readonly stackCollectionEnabled = true;
  readonly requiresMeta = true;
  readonly poisonValues = GENERIC_POISON;
  readonly memoryTagAt = undefined;
  readonly meta = new ObjectMetaTable();
  readonly quarantine: Quarantine;
  private readonly slubDebug: boolean;

  constructor(env: KasanEnv, opts: GenericOptions) {
    super(env, new ShadowMemory(GENERIC_SHADOW_SCALE_SHIFT, GENERIC_POISON.pageFree, GENERIC_POISON.vmallocInvalid, env.counters), opts.vmalloc ?? true);
    this.slubDebug = opts.slubDebug ?? false;
    this.quarantine = new Quarantine(opts.quarantine, env.counters, (cache, object) => this.qlinkFree(cache, object));
  }

  // --- tags: none ---
  randomTag(): number {
    return 0;
  }
  getTag(_p: Ptr): number {
    return 0;
  }
  setTag(p: Ptr, _tag: number): Ptr {
    return p;
  }
  resetTag(p: Ptr): Ptr {
    return p;
  }
  pageAddress(pfn: number): Ptr {
    return this.linearPtr(pfn, TAG_KERNEL);
  }
  pageKasanTagSet(_pfn: number, _tag: number): void {}
  pageKasanTagReset(_pfn: number): void {}
  samplePageAlloc(_order: number): boolean {
    return true;
  }

  protected skipVmallocUnpoison(_flags: number): boolean {
    return false;
  }

  /** kasan_poison_last_granule(): the partial granule's shadow holds its count of valid bytes. */
  poisonLastGranule(p: Ptr, size: number): void {
    const rem = modPow2(size, 8); // size % 8 without fmod (sizes may exceed int32)
    if (rem !== 0) this.shadow.set(ptrOffset(p) + size, rem);
  }

  /** kasan_byte_accessible(): shadow byte in [0, 8). */
  byteAccessible(p: Ptr): boolean {
    const v = this.shadow.get(ptrOffset(p));
    return v < 8;
  }

  /** check_region_inline(): the body of __asan_loadN/storeN and kasan_check_range. */
  checkAccess(p: Ptr, size: number, write: boolean, ip: number, constantSize: boolean): boolean {
    this.env.counters.cur.shadowChecks += 1;
    if (size === 0) return true;
    if (accessWraps(p, size)) return !this.env.reporter.report(p, size, write, ip);
    const addr = ptrOffset(p);
    if (!ShadowMemory.hasMetadata(addr)) return !this.env.reporter.report(p, size, write, ip);
    const poisoned = constantSize ? memoryIsPoisonedConst(this.shadow, addr, size) : memoryIsPoisonedN(this.shadow, addr, size);
    if (!poisoned) return true;
    return !this.env.reporter.report(p, size, write, ip);
  }

  /** __asan_register_globals(): unpoison the variable, poison its redzone KASAN_GLOBAL_REDZONE. */
  registerGlobal(p: Ptr, size: number, sizeWithRedzone: number): void {
    const aligned = roundUp(size, 8);
    this.unpoison(p, size, false);
    this.poison(ptrOffset(p) + aligned, sizeWithRedzone - aligned, KASAN_GLOBAL_REDZONE, false);
  }

  // --- kasan_cache_create() ---
  cacheCreate(args: KasanCacheCreateArgs): void {
    const info = args.info;
    args.flags |= SLAB_KASAN | SLAB_NO_MERGE;
    let okSize = args.size;
    // Alloc meta goes right after the current layout.
    info.allocMetaOffset = args.size;
    args.size += KASAN_ALLOC_META_SIZE;
    if (args.size > KMALLOC_MAX_SIZE) {
      info.allocMetaOffset = 0;
      args.size = okSize;
    }
    okSize = args.size;
    const origAllocMetaOffset = info.allocMetaOffset;
    info.freeMetaOffset = 0;
    if ((args.flags & SLAB_TYPESAFE_BY_RCU) !== 0 || args.hasCtor) {
      // The object must keep its contents after free: free meta goes into the redzone.
      info.freeMetaOffset = args.size;
      args.size += KASAN_FREE_META_SIZE;
    } else if (KASAN_FREE_META_SIZE <= args.objectSize) {
      // Free meta fits inside the freed object (offset 0).
    } else if (!this.slubDebug) {
      // Tiny object: free meta starts in the object and spills into the redzone; alloc meta moves.
      const rem = KASAN_FREE_META_SIZE - args.objectSize;
      args.size += rem;
      if (info.allocMetaOffset !== 0) info.allocMetaOffset += rem;
    } else {
      info.freeMetaOffset = args.size;
      args.size += KASAN_FREE_META_SIZE;
    }
    if (args.size > KMALLOC_MAX_SIZE) {
      info.freeMetaOffset = KASAN_NO_FREE_META;
      info.allocMetaOffset = origAllocMetaOffset;
      args.size = okSize;
    }
    let optimal = args.objectSize + optimalRedzone(args.objectSize);
    if (optimal > KMALLOC_MAX_SIZE) optimal = KMALLOC_MAX_SIZE;
    if (args.size < optimal) args.size = optimal;
  }

  private static hasAllocMeta(cache: KasanCacheView): boolean {
    return cache.kasanInfo.allocMetaOffset !== 0;
  }

  private static hasFreeMeta(cache: KasanCacheView): boolean {
    return cache.kasanInfo.freeMetaOffset !== KASAN_NO_FREE_META;
  }

  /** kasan_init_object_meta(): alloc meta zeroed; free meta needs no marking. */
  initObjectMeta(cache: KasanCacheView, object: Ptr): void {
    if (GenericBackend.hasAllocMeta(cache)) this.meta.clearAlloc(ptrOffset(object));
  }

  /** kasan_save_alloc_info(): invalidate old stacks, record the allocation track. */
  saveAllocInfo(cache: KasanCacheView, object: Ptr, gfp: number): void {
    if (!GenericBackend.hasAllocMeta(cache)) return;
    const off = ptrOffset(object);
    this.meta.clearAlloc(off);
    this.meta.setAllocTrack(off, this.env.saveTrack(gfp, true, cache.isKmalloc ? "kmalloc" : "kmem_cache_alloc"));
  }

  /** kasan_save_free_info(): record the free track and mark it valid in the first shadow byte. */
  saveFreeInfo(cache: KasanCacheView, object: Ptr): void {
    if (!GenericBackend.hasFreeMeta(cache)) return;
    const off = ptrOffset(object);
    this.meta.setFreeTrack(off, this.env.saveTrack(0, true, cache.isKmalloc ? "kfree" : "kmem_cache_free"));
    this.shadow.set(off, KASAN_SLAB_FREE_META);
  }

  quarantinePut(cache: KasanCacheView, object: Ptr): boolean {
    if (!GenericBackend.hasFreeMeta(cache)) return false;
    return this.quarantine.put(cache, ptrOffset(object), this.env.ctx.cpu);
  }

  quarantineReduce(): void {
    this.quarantine.reduce();
  }

  quarantineRemoveCache(cache: KasanCacheView): void {
    this.quarantine.removeCache(cache);
  }

  /** qlink_free(): kasan_release_object_meta() then ___cache_free() to the slab allocator. */
  private qlinkFree(cache: KasanCacheView, object: number): void {
    this.releaseObjectMeta(cache, object);
    const release = this.env.freeFromQuarantine;
    if (release === undefined) throw new Error("Generic KASAN quarantine: freeFromQuarantine is not wired (the slab allocator must provide it)");
    release(cache, untaggedPtr(object));
  }

  /** kasan_release_object_meta(): alloc meta zeroed; a valid free meta marker goes back to KASAN_SLAB_FREE. */
  releaseObjectMeta(cache: KasanCacheView, object: number): void {
    if (GenericBackend.hasAllocMeta(cache)) this.meta.clearAlloc(object);
    if (GenericBackend.hasFreeMeta(cache) && this.shadow.get(object) === KASAN_SLAB_FREE_META) this.shadow.set(object, KASAN_SLAB_FREE);
    this.meta.clearFree(object);
  }

  /** kasan_record_aux_stack(): shift the aux stacks of the slab object containing `p`. */
  recordAuxStack(p: Ptr, canAlloc: boolean): void {
    const d = this.env.describer?.describe(ptrOffset(p));
    if (d === undefined || d.kind !== "slab") return;
    if (!GenericBackend.hasAllocMeta(d.cache)) return;
    this.meta.pushAuxStack(d.objectStart, this.env.stackSaver.save(0, canAlloc, "aux"));
  }

  // --- report_generic.c ---

  /** kasan_find_first_bad_addr(): steps of 8 from addr while the shadow reads 0. */
  findFirstBadAddr(p: Ptr, size: number): number {
    return this.firstBadAddrWhileShadow(ptrOffset(p), size, 0);
  }

  /** kasan_get_alloc_size(): 8 per zero shadow byte, plus a partial granule; 0 for freed objects. */
  getAllocSize(object: number, cache: KasanCacheView): number {
    let size = 0;
    let a = object;
    while (size < cache.objectSize) {
      const v = this.shadow.get(a);
      if (v === 0) size += 8;
      else if (v >= 1 && v <= 7) return size + v;
      else return size;
      a += 8;
    }
    return cache.objectSize;
  }

  /** kasan_complete_mode_report_info() for Generic. */
  completeModeReportInfo(info: ReportInfo): void {
    if (info.bugType === undefined) info.bugType = genericBugType(this.shadow, info.accessAddr, info.accessSize, info.firstBadAddr);
    if (info.cache === undefined || info.object === undefined) return;
    if (GenericBackend.hasAllocMeta(info.cache)) {
      info.allocTrack = this.meta.allocTrack(info.object);
      info.auxStacks = this.meta.auxStacks(info.object);
    }
    if (this.shadow.get(info.object) === KASAN_SLAB_FREE_META) info.freeTrack = this.meta.freeTrack(info.object);
  }
}
