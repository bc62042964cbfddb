/**
 * Test support for the slab allocator (used by the *.test.ts files beside it and by the bench):
 * a KASAN double that records the hooks SLUB calls and models just enough of each mode to
 * exercise SLUB's decisions, and a builder wiring a real PageAllocator, Rcu and SlabAllocator.
 *
 * The double's behaviour, per mode (a stand-in for src/kasan, which mm must not import):
 *   - generic: kasan_cache_create adds per-object metadata and the adaptive redzone and sets
 *     SLAB_KASAN | SLAB_NO_MERGE (mm/kasan/generic.c rules); optional quarantine.
 *   - sw_tags / hw_tags: tags from a counter (0xF0…0xFD for hw, 0x00…0xFD for sw); plain caches
 *     get a new tag per allocation, ctor/TYPESAFE_BY_RCU caches keep the one set at slab creation.
 *   - every enabled mode: objects are "accessible" between alloc and free, which is what the
 *     free checks (double/invalid free) and kasan_check_byte look at.
 */
import { type Ptr, TAG_KERNEL, makePtr, ptrOffset, ptrTag } from "../../arch/pointer.js";
import type { KasanMode } from "../../config/mode.js";
import { Counters } from "../../cost/counters.js";
import { ExecContext } from "../../lib/context.js";
import { Rcu } from "../../rcu/rcu.js";
import type { KasanCacheCreateArgs, KasanCacheView, KasanHooks } from "../kasan-hooks.js";
import { KASAN_NO_FREE_META } from "../kasan-hooks.js";
import { pfnToOffset } from "../memory-layout.js";
import { FakePageAllocator } from "./fake-page-allocator.js";
import { SLAB_KASAN, SLAB_NO_MERGE, SLAB_TYPESAFE_BY_RCU } from "./flags.js";
import { SlabAllocator, type SlabAllocatorOptions, slubRcuDebugDefault } from "./slab-allocator.js";
import { KMALLOC_MAX_SIZE } from "./sizes.js";

export interface HookCall {
  hook: string;
  cache?: string;
  ptr?: Ptr;
  size?: number;
  gfp?: number;
  init?: boolean;
  stillAccessible?: boolean;
}

/** mm/kasan/generic.c optimal_redzone(). */
export function optimalRedzone(objectSize: number): number {
  return objectSize <= 64 - 16 ? 16
    : objectSize <= 128 - 32 ? 32
    : objectSize <= 512 - 64 ? 64
    : objectSize <= 4096 - 128 ? 128
    : objectSize <= (1 << 14) - 256 ? 256
    : objectSize <= (1 << 15) - 512 ? 512
    : objectSize <= (1 << 16) - 1024 ? 1024 : 2048;
}

export class SlabTestKasan implements KasanHooks {
  readonly enabled: boolean;
  readonly hwTagsEnabled: boolean;
  readonly hasIntegratedInit: boolean;
  readonly granuleSize: number;
  readonly vmallocEnabled: boolean;
  readonly calls: HookCall[] = [];
  /** Reports the double would have printed: "double-free", "invalid-free", "use-after-free". */
  readonly reports: { kind: string; ptr: Ptr }[] = [];
  /** Generic quarantine: objects held back, oldest first. */
  readonly quarantine: { cache: KasanCacheView; object: Ptr }[] = [];
  useQuarantine = false;
  record = true;
  /** Memmap (for page tags), set by the builder. */
  pages: { setKasanTagRange(pfn: number, nr: number, tag: number): void; resetKasanTagRange(pfn: number, nr: number): void } | undefined =
    undefined;
  /** nearest_obj() back-edge, set by the builder. */
  findObject: ((p: Ptr) => { object: Ptr } | undefined) | undefined = undefined;
  private readonly accessible = new Set<number>();
  private nextTag = 0;

  constructor(
    readonly mode: KasanMode,
    /** hw_tags only: false models kasan=off (configured, disabled at boot). */
    hwEnabled = true,
  ) {
    this.enabled = mode !== "off" && (mode !== "hw_tags" || hwEnabled);
    this.hwTagsEnabled = mode === "hw_tags" && hwEnabled;
    this.hasIntegratedInit = this.hwTagsEnabled;
    this.granuleSize = mode === "generic" || mode === "off" ? 8 : 16;
    this.vmallocEnabled = this.enabled;
  }

  private get tagMode(): boolean {
    return this.mode === "sw_tags" || this.hwTagsEnabled;
  }

  private randomTag(): number {
    const t = this.nextTag++;
    return this.mode === "hw_tags" ? 0xf0 + (t % 14) : t % 0xfe;
  }

  private log(c: HookCall): void {
    if (this.record) this.calls.push(c);
  }

  callsOf(hook: string): HookCall[] {
    return this.calls.filter((c) => c.hook === hook);
  }

  unpoisonPages(pfn: number, order: number, _init: boolean): boolean {
    if (!this.enabled) return false;
    if (this.tagMode && this.pages !== undefined) this.pages.setKasanTagRange(pfn, 2 ** order, this.randomTag());
    return true;
  }

  poisonPages(_pfn: number, _order: number, _init: boolean): void {}

  cacheCreate(args: KasanCacheCreateArgs): void {
    this.log({ hook: "cacheCreate", size: args.size });
    if (this.mode !== "generic") return;
    // kasan_cache_create() (Generic): alloc meta after the object, free meta inside it or in
    // the redzone, then at least the adaptive redzone.
    args.flags |= SLAB_KASAN | SLAB_NO_MERGE;
    let okSize = args.size;
    args.info.allocMetaOffset = args.size;
    args.size += 16;
    if (args.size > KMALLOC_MAX_SIZE) {
      args.info.allocMetaOffset = 0;
      args.size = okSize;
    }
    okSize = args.size;
    const origAlloc = args.info.allocMetaOffset;
    if ((args.flags & SLAB_TYPESAFE_BY_RCU) !== 0 || args.hasCtor) {
      args.info.freeMetaOffset = args.size;
      args.size += 16;
    } else if (args.objectSize >= 16) {
      args.info.freeMetaOffset = 0;
    } else {
      const rem = 16 - args.objectSize;
      args.size += rem;
      if (args.info.allocMetaOffset !== 0) args.info.allocMetaOffset += rem;
    }
    if (args.size > KMALLOC_MAX_SIZE) {
      args.info.freeMetaOffset = KASAN_NO_FREE_META;
      args.info.allocMetaOffset = origAlloc;
      args.size = okSize;
    }
    const optimal = Math.min(args.objectSize + optimalRedzone(args.objectSize), KMALLOC_MAX_SIZE);
    if (args.size < optimal) args.size = optimal;
  }

  poisonSlab(firstPfn: number, order: number): void {
    this.log({ hook: "poisonSlab", size: order });
    if (this.tagMode && this.pages !== undefined) this.pages.resetKasanTagRange(firstPfn, 2 ** order);
  }

  initSlabObj(cache: KasanCacheView, object: Ptr): Ptr {
    this.log({ hook: "initSlabObj", cache: cache.name, ptr: object });
    if (!this.tagMode) return object;
    const keeps = cache.hasCtor || (cache.flags & SLAB_TYPESAFE_BY_RCU) !== 0;
    return makePtr(keeps ? this.randomTag() : TAG_KERNEL, ptrOffset(object));
  }

  unpoisonNewObject(cache: KasanCacheView, object: Ptr): void {
    this.log({ hook: "unpoisonNewObject", cache: cache.name, ptr: object });
  }

  poisonNewObject(cache: KasanCacheView, object: Ptr): void {
    this.log({ hook: "poisonNewObject", cache: cache.name, ptr: object });
  }

  slabAlloc(cache: KasanCacheView, object: Ptr, gfp: number, init: boolean): Ptr {
    this.log({ hook: "slabAlloc", cache: cache.name, ptr: object, gfp, init });
    let p = object;
    if (this.tagMode) {
      const keeps = cache.hasCtor || (cache.flags & SLAB_TYPESAFE_BY_RCU) !== 0;
      p = makePtr(keeps ? ptrTag(object) : this.randomTag(), ptrOffset(object));
    }
    if (this.enabled) this.accessible.add(ptrOffset(p));
    return p;
  }

  kmalloc(cache: KasanCacheView, object: Ptr, size: number, gfp: number): Ptr {
    this.log({ hook: "kmalloc", cache: cache.name, ptr: object, size, gfp });
    return object;
  }

  kmallocLarge(ptr: Ptr, size: number, gfp: number): Ptr {
    this.log({ hook: "kmallocLarge", ptr, size, gfp });
    return ptr;
  }

  krealloc(cache: KasanCacheView | undefined, object: Ptr, newSize: number, gfp: number): Ptr {
    this.log({ hook: "krealloc", cache: cache?.name, ptr: object, size: newSize, gfp });
    return object;
  }

  private startOf(p: Ptr): number {
    const o = this.findObject?.(p);
    return o === undefined ? ptrOffset(p) : ptrOffset(o.object);
  }

  slabPreFree(cache: KasanCacheView, object: Ptr, _ip: number): boolean {
    this.log({ hook: "slabPreFree", cache: cache.name, ptr: object });
    if (!this.enabled) return false;
    if (this.startOf(object) !== ptrOffset(object)) {
      this.reports.push({ kind: "invalid-free", ptr: object });
      return true;
    }
    if (!this.accessible.has(ptrOffset(object))) {
      this.reports.push({ kind: "double-free", ptr: object });
      return true;
    }
    return false;
  }

  slabFree(cache: KasanCacheView, object: Ptr, init: boolean, stillAccessible: boolean): boolean {
    this.log({ hook: "slabFree", cache: cache.name, ptr: object, init, stillAccessible });
    if (!this.enabled || stillAccessible) return false;
    this.accessible.delete(ptrOffset(object));
    if (this.mode === "generic" && this.useQuarantine) {
      this.quarantine.push({ cache, object });
      return true;
    }
    return false;
  }

  kfreeLarge(ptr: Ptr, headPfn: number, _ip: number): boolean {
    this.log({ hook: "kfreeLarge", ptr, size: headPfn });
    if (!this.enabled) return false;
    if (ptrOffset(ptr) !== pfnToOffset(headPfn)) {
      this.reports.push({ kind: "invalid-free", ptr });
      return true;
    }
    return false;
  }

  checkByte(ptr: Ptr, _ip: number): boolean {
    this.log({ hook: "checkByte", ptr });
    if (!this.enabled) return true;
    const start = this.startOf(ptr);
    if (this.findObject?.(ptr) === undefined) return true; // page-backed: not tracked here
    if (this.accessible.has(start)) return true;
    this.reports.push({ kind: "use-after-free", ptr });
    return false;
  }

  unpoisonRange(ptr: Ptr, size: number): void {
    this.log({ hook: "unpoisonRange", ptr, size });
  }

  mempoolPoisonObject(ptr: Ptr, _ip: number): boolean {
    this.log({ hook: "mempoolPoisonObject", ptr });
    return true;
  }

  mempoolUnpoisonObject(ptr: Ptr, size: number, _ip: number): void {
    this.log({ hook: "mempoolUnpoisonObject", ptr, size });
  }

  mempoolPoisonPages(_pfn: number, _order: number, _ip: number): boolean {
    return true;
  }

  mempoolUnpoisonPages(_pfn: number, _order: number, _ip: number): void {}

  recordAuxStack(ptr: Ptr): void {
    this.log({ hook: "recordAuxStack", ptr });
  }

  quarantineReduce(): void {
    this.log({ hook: "quarantineReduce" });
  }

  cacheShutdown(cache: KasanCacheView): void {
    this.log({ hook: "cacheShutdown", cache: cache.name });
  }

  populateVmalloc(): void {}
  releaseVmalloc(): void {}
  unpoisonVmalloc(start: Ptr): Ptr {
    return start;
  }
  poisonVmalloc(): void {}

  resetTag(ptr: Ptr): Ptr {
    return makePtr(TAG_KERNEL, ptrOffset(ptr));
  }
}

export interface SlabTestEnv {
  slab: SlabAllocator;
  kasan: SlabTestKasan;
  pages: FakePageAllocator;
  counters: Counters;
  ctx: ExecContext;
  rcu: Rcu;
}

export type SlabTestOptions = Partial<Omit<SlabAllocatorOptions, "pages" | "hooks" | "counters" | "ctx" | "rcu">> & {
  memoryBytes?: number;
  /** hw_tags: false = booted with kasan=off. */
  kasanHwEnabled?: boolean;
};

/** A booted slab allocator over the page allocator double (64 MiB of RAM by default). */
export function makeSlabTestEnv(o: SlabTestOptions = {}): SlabTestEnv {
  const mode = o.mode ?? "off";
  const nrCpus = o.nrCpus ?? 2;
  const counters = new Counters();
  const ctx = new ExecContext(nrCpus);
  const kasan = new SlabTestKasan(mode, o.kasanHwEnabled ?? true);
  const pages = new FakePageAllocator(o.memoryBytes ?? 64 * 2 ** 20, kasan, counters);
  kasan.pages = pages.pages;
  const rcu = new Rcu({ nrCpus, counters });
  const { memoryBytes: _m, kasanHwEnabled: _h, ...slabOpts } = o;
  const slab = new SlabAllocator({
    ...slabOpts,
    pages,
    hooks: kasan,
    counters,
    ctx,
    rcu,
    mode,
    nrCpus,
    initOnAlloc: o.initOnAlloc ?? false,
    initOnFree: o.initOnFree ?? false,
    slubRcuDebug: o.slubRcuDebug ?? slubRcuDebugDefault(mode),
  });
  kasan.findObject = (p) => slab.findObject(p);
  return { slab, kasan, pages, counters, ctx, rcu };
}
