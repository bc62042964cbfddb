/**
 * Tiny stand-ins for mm used by KASAN's unit tests (the real page allocator and SLUB live in
 * src/mm/ and are tested there): a kmem_cache view, page-tag storage and an address describer
 * for a hand-laid-out slab.
 */
import { makePtr, type Ptr, TAG_KERNEL } from "../../arch/pointer.js";
import type { BootParams } from "../../config/boot-params.js";
import { parseCmdline } from "../../config/cmdline.js";
import type { KasanMode } from "../../config/mode.js";
import { Counters } from "../../cost/counters.js";
import { ExecContext } from "../../lib/context.js";
import { Prng } from "../../lib/prng.js";
import { type KasanCacheInfo, type KasanCacheView, KASAN_NO_FREE_META } from "../../mm/kasan-hooks.js";
import { PAGE_SIZE, pfnToOffset, PHYS_PFN_OFFSET } from "../../mm/memory-layout.js";
import { createKasan, type Kasan, type KasanDeps } from "../kasan.js";
import type { PageTags } from "../page-tags.js";
import type { AddressDescriber, AddressDescription } from "../report/address-describer.js";

export interface FakeCacheOpts {
  name?: string;
  objectSize: number;
  size?: number;
  flags?: number;
  hasCtor?: boolean;
  isKmalloc?: boolean;
  info?: Partial<KasanCacheInfo>;
}

export function fakeCache(o: FakeCacheOpts): KasanCacheView {
  return {
    name: o.name ?? `kmalloc-${o.objectSize}`,
    objectSize: o.objectSize,
    size: o.size ?? o.objectSize,
    flags: o.flags ?? 0,
    hasCtor: o.hasCtor ?? false,
    isKmalloc: o.isKmalloc ?? true,
    kasanInfo: { allocMetaOffset: o.info?.allocMetaOffset ?? o.objectSize, freeMetaOffset: o.info?.freeMetaOffset ?? 0 },
  };
}

/** A cache without Generic free meta (never quarantined). */
export function fakeCacheNoFreeMeta(o: FakeCacheOpts): KasanCacheView {
  return fakeCache({ ...o, info: { ...o.info, freeMetaOffset: KASAN_NO_FREE_META } });
}

export class FakePageTags implements PageTags {
  readonly tags = new Map<number, number>();
  setKasanTag(pfn: number, tag: number): void {
    this.tags.set(pfn, tag);
  }
  kasanTag(pfn: number): number {
    return this.tags.get(pfn) ?? TAG_KERNEL;
  }
  resetKasanTag(pfn: number): void {
    this.tags.delete(pfn);
  }
}

/** A page frame well inside the simulated RAM, and its linear-map offset. */
export const TEST_PFN = PHYS_PFN_OFFSET + 0x100;
export const TEST_OFF = pfnToOffset(TEST_PFN);

/** Describes one slab of `cache` starting at page `firstPfn` (objects every cache.size bytes), plus page-backed blocks. */
export class FakeDescriber implements AddressDescriber {
  private readonly slabs: { start: number; end: number; cache: KasanCacheView }[] = [];
  private readonly blocks: { start: number; end: number; headPfn: number; order: number }[] = [];

  addSlab(cache: KasanCacheView, firstPfn: number, order: number): void {
    const start = pfnToOffset(firstPfn);
    this.slabs.push({ start, end: start + PAGE_SIZE * 2 ** order, cache });
  }

  addPages(headPfn: number, order: number): void {
    const start = pfnToOffset(headPfn);
    this.blocks.push({ start, end: start + PAGE_SIZE * 2 ** order, headPfn, order });
  }

  describe(offset: number): AddressDescription | undefined {
    const pfn = Math.floor(offset / PAGE_SIZE) + PHYS_PFN_OFFSET;
    for (const s of this.slabs) {
      if (offset >= s.start && offset < s.end) {
        const idx = Math.floor((offset - s.start) / s.cache.size);
        return { kind: "slab", cache: s.cache, objectStart: s.start + idx * s.cache.size, pfn };
      }
    }
    for (const b of this.blocks) {
      if (offset >= b.start && offset < b.end) return { kind: "page", pfn, headPfn: b.headPfn, order: b.order };
    }
    return undefined;
  }
}

export interface TestKasan {
  kasan: Kasan;
  counters: Counters;
  ctx: ExecContext;
  pageTags: FakePageTags;
  describer: FakeDescriber;
  params: BootParams;
  /** Objects handed back by the quarantine, in order. */
  released: { cache: KasanCacheView; object: Ptr }[];
}

export function makeTestKasan(mode: KasanMode, cmdline = "", extra: Partial<KasanDeps> = {}, seed = 1): TestKasan {
  const counters = new Counters();
  const ctx = new ExecContext(2);
  ctx.pid = 42;
  ctx.comm = "kunit_try_catch";
  const pageTags = new FakePageTags();
  const { params } = parseCmdline(mode, cmdline);
  const kasan = createKasan(mode, params, { counters, ctx, prng: new Prng(seed), pageTags, ...extra });
  const describer = new FakeDescriber();
  kasan.setAddressDescriber(describer);
  const released: { cache: KasanCacheView; object: Ptr }[] = [];
  kasan.setQuarantineRelease((cache, object) => released.push({ cache, object }));
  return { kasan, counters, ctx, pageTags, describer, params, released };
}

/** A native (0xFF-tagged) kernel pointer to linear offset `off`. */
export function kptr(off: number): Ptr {
  return makePtr(TAG_KERNEL, off);
}
