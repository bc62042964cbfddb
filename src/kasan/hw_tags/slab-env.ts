/**
 * One hand-placed slab for the HW_TAGS slab and report tests: an order-0 page taken from the
 * page allocator (so page_alloc tagged it first, as allocate_slab's pages are), described as a
 * slab of `cache`, then kasan_poison_slab()ed. Two pages are allocated before it so that the
 * report's memory rows (starting 512 bytes below a bad address) stay inside RAM.
 */
import { makePtr, TAG_KERNEL, type Ptr } from "../../arch/pointer.js";
import type { Counters } from "../../cost/counters.js";
import { GFP_KERNEL } from "../../mm/gfp.js";
import type { KasanCacheView } from "../../mm/kasan-hooks.js";
import { pfnToOffset } from "../../mm/memory-layout.js";
import { fakeCache, type FakeCacheOpts } from "../testing/fakes.js";
import { makeHwTagsEnv, type HwTagsTestEnv, type HwTagsTestOpts } from "./test-env.js";

export interface SlabTestEnv extends HwTagsTestEnv {
  cache: KasanCacheView;
  /** First pfn of the slab and its linear-map offset. */
  pfn: number;
  base: number;
  /** Counter values right after kasan_poison_slab(). */
  afterNewSlab: Counters["cur"];
  /** Untagged pointer to slot `i` (what SLUB's freelist holds). */
  slot(i: number): Ptr;
}

export function makeSlabEnv(cacheOpts: FakeCacheOpts, envOpts: HwTagsTestOpts = { cmdline: "kasan_multi_shot" }): SlabTestEnv {
  const t = makeHwTagsEnv(envOpts);
  t.pa.allocPages(GFP_KERNEL, 0);
  t.pa.allocPages(GFP_KERNEL, 0);
  const pfn = t.pa.allocPages(GFP_KERNEL, 0);
  const cache = fakeCache(cacheOpts);
  t.describer.addSlab(cache, pfn, 0);
  t.kasan.hooks.poisonSlab(pfn, 0);
  const base = pfnToOffset(pfn);
  return {
    ...t,
    cache,
    pfn,
    base,
    afterNewSlab: { ...t.counters.cur },
    slot: (i: number) => makePtr(TAG_KERNEL, base + i * cache.size),
  };
}

/** Counter deltas since `since` for the named fields. */
export function deltas(c: Counters, since: Counters["cur"], fields: readonly (keyof Counters["cur"])[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of fields) out[f] = c.cur[f] - since[f];
  return out;
}
