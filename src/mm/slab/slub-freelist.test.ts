import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { ptrOffset, ptrTag, type Ptr } from "../../arch/pointer.js";
import { GFP_KERNEL, formatGfp } from "../gfp.js";
import { makeSlabTestEnv } from "./slab-test-env.js";
import { SlubBugError } from "./slab-allocator.js";

describe("SLUB freelist reuse order", () => {
  it("hands out a new slab in address order and reuses the last freed object first (LIFO)", () => {
    const { slab } = makeSlabTestEnv({ mode: "off" });
    const c = slab.kmemCacheCreate("lifo", 64, 0, 0);
    const a = slab.kmemCacheAlloc(c, GFP_KERNEL);
    const b = slab.kmemCacheAlloc(c, GFP_KERNEL);
    const d = slab.kmemCacheAlloc(c, GFP_KERNEL);
    // A fresh slab's freelist runs object 0, 1, 2, … (no CONFIG_SLAB_FREELIST_RANDOM).
    expect([ptrOffset(b) - ptrOffset(a), ptrOffset(d) - ptrOffset(b)]).toEqual([64, 64]);
    slab.kmemCacheFree(c, a);
    slab.kmemCacheFree(c, b);
    // Both frees went to this CPU's freelist: b (freed last) comes back first, then a.
    expect(slab.kmemCacheAlloc(c, GFP_KERNEL)).toBe(b);
    expect(slab.kmemCacheAlloc(c, GFP_KERNEL)).toBe(a);
  });

  it("sends a free from another CPU to the slab's own freelist, picked up when the CPU freelist runs dry", () => {
    const { slab, ctx } = makeSlabTestEnv({ mode: "off" });
    // 1024-byte objects: 12 * 1024 → order 2, 16 objects per slab.
    const c = slab.kmemCacheCreate("remote", 1024, 0, 0);
    expect(c.objectsPerSlab).toBe(16);
    const objs: Ptr[] = [];
    for (let i = 0; i < 16; i++) objs.push(slab.kmemCacheAlloc(c, GFP_KERNEL));
    ctx.cpu = 1;
    slab.kmemCacheFree(c, objs[3]);
    ctx.cpu = 0;
    // CPU 0's freelist is empty; get_freelist() finds object 3 on the (still frozen) cpu slab.
    expect(slab.kmemCacheAlloc(c, GFP_KERNEL)).toBe(objs[3]);
    // The next allocation needs a new slab.
    const next = slab.kmemCacheAlloc(c, GFP_KERNEL);
    expect(slab.findObject(next)!.slabPfn).not.toBe(slab.findObject(objs[0])!.slabPfn);
  });

  it("puts a full slab that gets a free on the freeing CPU's partial list and refills from it", () => {
    const { slab, counters } = makeSlabTestEnv({ mode: "off" });
    const c = slab.kmemCacheCreate("partial", 1024, 0, 0);
    const first: Ptr[] = [];
    for (let i = 0; i < 16; i++) first.push(slab.kmemCacheAlloc(c, GFP_KERNEL));
    const second = slab.kmemCacheAlloc(c, GFP_KERNEL); // slab 1 full → slab 2 is the cpu slab
    // Slabs: the kmem_cache_node/kmem_cache bootstrap slabs, kmalloc structs, plus our two.
    const slabsBefore = counters.byOrigin.slab.slabsAllocated;
    slab.kmemCacheFree(c, first[5]); // slab 1 was full → CPU 0 partial list
    for (let i = 1; i < 16; i++) slab.kmemCacheAlloc(c, GFP_KERNEL); // drain slab 2 (15 left)
    // Slab 2 exhausted: the per-CPU partial slab 1 becomes the cpu slab → object 5 again.
    expect(slab.kmemCacheAlloc(c, GFP_KERNEL)).toBe(first[5]);
    expect(counters.byOrigin.slab.slabsAllocated).toBe(slabsBefore);
    expect(second).not.toBe(0);
  });

  it("allocates slab pages with s->allocflags and the cheap first attempt above the minimum order", () => {
    const { slab, pages } = makeSlabTestEnv({ mode: "hw_tags" });
    pages.log.length = 0;
    slab.kmalloc(64, GFP_KERNEL); // kmalloc-64: order 0 = s->min order
    slab.kmalloc(1024, GFP_KERNEL); // kmalloc-1k: order 2 > get_order(1024) = 0
    // The same strings as mm_page_alloc in trace-boot.txt for slab pages.
    expect(pages.log.map((l) => [l.order, formatGfp(l.gfp)])).toEqual([
      [0, "GFP_KERNEL|__GFP_NOWARN|__GFP_NORETRY|__GFP_COMP"],
      [2, "__GFP_IO|__GFP_FS|__GFP_NOWARN|__GFP_NORETRY|__GFP_COMP|__GFP_NOMEMALLOC"],
    ]);
  });

  it("frees empty slabs beyond min_partial and keeps the rest", () => {
    const { slab, counters, ctx } = makeSlabTestEnv({ mode: "off" });
    const c = slab.kmemCacheCreate("empty", 1024, 0, 0);
    // min_partial = clamp(ilog2(1024) / 2 = 5, 5, 10) = 5.
    expect(c.minPartial).toBe(5);
    const objs: Ptr[] = [];
    for (let i = 0; i < 16 * 8; i++) objs.push(slab.kmemCacheAlloc(c, GFP_KERNEL));
    const freedBefore = counters.byOrigin.slab.slabsFreed;
    // Free everything from CPU 1 (none of these slabs is CPU 1's cpu slab): each full slab goes
    // to CPU 1's partial list on its first free; cpu_partial_slabs = ceil(24 * 2 / 16) = 3, so
    // the list drains to the node when it already holds 3 slabs.
    ctx.cpu = 1;
    for (const p of objs) slab.kmemCacheFree(c, p);
    ctx.cpu = 0;
    expect(c.cpuPartialSlabs).toBe(3);
    expect(c.liveObjects).toBe(0);
    // Slab 8 is CPU 0's cpu slab. Slabs 1–3 fill CPU 1's list; slab 4's first free drains them
    // (all empty, node list 0 → 3 < 5: kept). Slabs 4–6 fill it again; slab 7's first free
    // drains 6 and 5 (node list → 5) and discards 4 (5 >= min_partial). One slab freed so far.
    expect(counters.byOrigin.slab.slabsFreed - freedBefore).toBe(1);
    expect(c.nrPartial).toBe(5);
    // kmem_cache_destroy flushes CPU 0 (slab 8: empty, node list full → freed), CPU 1 (slab 7 →
    // freed) and frees the 5 empty node-partial slabs: 1 + 1 + 1 + 5 = 8.
    slab.kmemCacheDestroy(c);
    expect(counters.byOrigin.slab.slabsFreed - freedBefore).toBe(8);
    expect(slab.warnings).toEqual([]);
  });
});

describe("kmem_cache_alloc_bulk / kmem_cache_free_bulk", () => {
  it("allocates consecutive objects and frees them as one detached freelist", () => {
    const { slab, kasan } = makeSlabTestEnv({ mode: "sw_tags" });
    const c = slab.kmemCacheCreate("bulk", 128, 0, 0);
    const p = slab.kmemCacheAllocBulk(c, GFP_KERNEL, 3);
    expect(p.length).toBe(3);
    expect([ptrOffset(p[1]) - ptrOffset(p[0]), ptrOffset(p[2]) - ptrOffset(p[1])]).toEqual([128, 128]);
    // Each object went through kasan_slab_alloc after all three were taken.
    expect(kasan.callsOf("slabAlloc").filter((x) => x.cache === "bulk").length).toBe(3);
    kasan.calls.length = 0;
    slab.kmemCacheFreeBulk(c, p);
    // build_detached_freelist starts from p[2] and prepends p[1], p[0]: hooks run p0, p1, p2;
    // the rebuilt list is p2, p1, p0, so allocation returns them in that order.
    expect(kasan.callsOf("slabFree").map((x) => x.ptr)).toEqual([p[0], p[1], p[2]]);
    const again = [0, 1, 2].map(() => ptrOffset(slab.kmemCacheAlloc(c, GFP_KERNEL)));
    expect(again).toEqual([ptrOffset(p[2]), ptrOffset(p[1]), ptrOffset(p[0])]);
  });

  it("kfree_bulk (no cache) frees slab and page-backed objects alike", () => {
    const { slab } = makeSlabTestEnv({ mode: "off" });
    const before = slab.slabPagesInUse();
    const big = slab.kmalloc(20000, GFP_KERNEL); // order 3: 8 pages
    const small = slab.kmalloc(64, GFP_KERNEL);
    expect(slab.slabPagesInUse() - before).toBeGreaterThanOrEqual(8);
    slab.kmemCacheFreeBulk(undefined, [small, big]);
    expect(slab.findObject(small)).toBeDefined();
    expect(slab.kmalloc(64, GFP_KERNEL)).toBe(small);
    expect(slab.slabPagesInUse() - before).toBeLessThan(8);
  });
});

describe("SLUB state invariants (property)", () => {
  it("never hands out a live object twice and accounts every object", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ alloc: fc.boolean(), cpu: fc.integer({ min: 0, max: 3 }), pick: fc.nat() }), { maxLength: 300 }),
        (ops) => {
          const { slab, ctx } = makeSlabTestEnv({ mode: "hw_tags", nrCpus: 4 });
          const c = slab.kmemCacheCreate("prop", 200, 0, 0);
          const live: Ptr[] = [];
          for (const op of ops) {
            ctx.cpu = op.cpu;
            if (op.alloc || live.length === 0) {
              const p = slab.kmemCacheAlloc(c, GFP_KERNEL);
              expect(live.map(ptrOffset)).not.toContain(ptrOffset(p));
              const info = slab.findObject(p)!;
              expect(info.cache).toBe(c);
              expect(ptrOffset(info.object)).toBe(ptrOffset(p));
              expect(ptrTag(p)).not.toBe(0xff); // a plain cache gets a fresh tag per allocation
              live.push(p);
            } else {
              const [p] = live.splice(op.pick % live.length, 1);
              slab.kmemCacheFree(c, p);
            }
            expect(c.liveObjects).toBe(live.length);
          }
          for (const p of live) slab.kmemCacheFree(c, p);
          slab.kmemCacheDestroy(c);
          expect(slab.warnings).toEqual([]);
          expect(c.nrSlabs).toBe(0);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("reports a double free KASAN could not see instead of corrupting the freelist", () => {
    const { slab } = makeSlabTestEnv({ mode: "off" });
    const p = slab.kmalloc(64, GFP_KERNEL);
    slab.kfree(p);
    expect(() => slab.kfree(p)).toThrow(SlubBugError);
    const q = slab.kmalloc(64, GFP_KERNEL);
    expect(() => slab.kfree(q + 8)).toThrow(/not the start of an object/);
  });
});
