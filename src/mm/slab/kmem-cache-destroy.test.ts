import { describe, expect, it } from "vitest";
import { GFP_KERNEL } from "../gfp.js";
import { makeSlabTestEnv } from "./slab-test-env.js";

describe("kmem_cache_destroy", () => {
  it("frees the slabs of an empty cache, then its node and struct kmem_cache objects", () => {
    const { slab, kasan, counters } = makeSlabTestEnv({ mode: "hw_tags" });
    const c = slab.kmemCacheCreate("test_cache", 200, 0, 0);
    // The struct kmem_cache is an object of the kmem_cache cache, the node one of kmem_cache_node.
    expect(slab.findObject(c.structPtr)!.cache).toBe(slab.kmemCacheCache);
    expect(slab.findObject(c.nodePtr)!.cache).toBe(slab.kmemCacheNodeCache);
    const objs = [0, 1, 2].map(() => slab.kmemCacheAlloc(c, GFP_KERNEL));
    for (const p of objs) slab.kmemCacheFree(c, p);
    const freed = counters.byOrigin.slab.slabsFreed;
    kasan.calls.length = 0;
    slab.kmemCacheDestroy(c);
    // One slab (19 objects of 208 bytes) went back to the page allocator.
    expect(counters.byOrigin.slab.slabsFreed - freed).toBe(1);
    expect(kasan.calls.filter((x) => x.hook === "cacheShutdown" || x.hook === "slabFree").map((x) => `${x.hook}:${x.cache}`)).toEqual([
      "cacheShutdown:test_cache", "slabFree:kmem_cache_node", "slabFree:kmem_cache",
    ]);
    expect(slab.caches()).not.toContain(c);
    expect(() => slab.kmemCacheAlloc(c, GFP_KERNEL)).toThrow(/destroyed/);
  });

  it("reports the second destroy through KASAN (kmem_cache_double_destroy)", () => {
    const { slab, kasan } = makeSlabTestEnv({ mode: "generic" });
    const c = slab.kmemCacheCreate("test_cache", 200, 0, 0);
    slab.kmemCacheDestroy(c);
    slab.kmemCacheDestroy(c);
    expect(kasan.reports.map((r) => r.kind)).toEqual(["use-after-free"]);
    expect(kasan.reports[0].ptr).toBe(c.structPtr);
  });

  it("leaks a cache that still has objects, with the kernel's warning", () => {
    const { slab, counters } = makeSlabTestEnv({ mode: "off" });
    const c = slab.kmemCacheCreate("leaky", 64, 0, 0);
    slab.kmemCacheAlloc(c, GFP_KERNEL);
    const freed = counters.byOrigin.slab.slabsFreed;
    slab.kmemCacheDestroy(c);
    expect(slab.warnings).toEqual(["kmem_cache_destroy leaky: Slab cache still has objects when called from 0"]);
    expect(counters.byOrigin.slab.slabsFreed).toBe(freed);
    expect(c.nrSlabs).toBe(1);
    expect(slab.caches()).not.toContain(c);
  });

  it("waits for in-flight kfree_rcu() before tearing down", () => {
    const { slab, rcu } = makeSlabTestEnv({ mode: "off" });
    const c = slab.kmemCacheCreate("t", 64, 0, 0);
    const p = slab.kmemCacheAlloc(c, GFP_KERNEL);
    slab.kfreeRcu(p);
    expect(c.liveObjects).toBe(1);
    slab.kmemCacheDestroy(c); // kvfree_rcu_barrier()
    expect(rcu.pendingCallbacks).toBe(0);
    expect(slab.warnings).toEqual([]);
  });
});

describe("init_on_alloc / init_on_free / __GFP_ZERO zeroing counts", () => {
  it("memsets object_size on kzalloc unless KASAN zeroes while tagging (hw_tags)", () => {
    const off = makeSlabTestEnv({ mode: "off" });
    const z0 = off.counters.byOrigin.slab.bytesZeroed;
    off.slab.kzalloc(100, GFP_KERNEL);
    expect(off.counters.byOrigin.slab.bytesZeroed - z0).toBe(128); // kmalloc-128's object_size
    const hw = makeSlabTestEnv({ mode: "hw_tags" });
    const z1 = hw.counters.byOrigin.slab.bytesZeroed;
    hw.slab.kzalloc(100, GFP_KERNEL);
    expect(hw.counters.byOrigin.slab.bytesZeroed - z1).toBe(0);
    expect(hw.kasan.callsOf("slabAlloc").at(-1)!.init).toBe(true);
  });

  it("clears on free with init_on_free, and never for constructor caches", () => {
    const { slab, counters } = makeSlabTestEnv({ mode: "off", initOnFree: true });
    const p = slab.kmalloc(100, GFP_KERNEL);
    let z = counters.byOrigin.slab.bytesZeroed;
    slab.kfree(p);
    // object (128) + metadata after get_info_end (size 128 - inuse 128 = 0).
    expect(counters.byOrigin.slab.bytesZeroed - z).toBe(128);
    z = counters.byOrigin.slab.bytesZeroed;
    slab.kmalloc(100, GFP_KERNEL);
    // maybe_wipe_obj_freeptr: the in-object free pointer (8 bytes) is cleared on allocation.
    expect(counters.byOrigin.slab.bytesZeroed - z).toBe(8);
    const c = slab.kmemCacheCreate("ctor", 64, 0, 0, () => {});
    const q = slab.kmemCacheAlloc(c, GFP_KERNEL);
    z = counters.byOrigin.slab.bytesZeroed;
    slab.kmemCacheFree(c, q);
    expect(counters.byOrigin.slab.bytesZeroed - z).toBe(0);
  });

  it("runs the constructor once per object at slab creation, bracketed by KASAN", () => {
    const { slab, kasan } = makeSlabTestEnv({ mode: "sw_tags" });
    let ctorCalls = 0;
    const c = slab.kmemCacheCreate("ctor", 512, 0, 0, () => ctorCalls++);
    slab.kmemCacheAlloc(c, GFP_KERNEL);
    // 512 + 8 (free pointer outside) = 520 → ALIGN 16 = 528; 12 * 528 → order 1; 8192 / 528 = 15.
    expect(c.objectsPerSlab).toBe(15);
    expect(ctorCalls).toBe(15);
    expect(kasan.callsOf("unpoisonNewObject").length).toBe(15);
    expect(kasan.callsOf("poisonNewObject").length).toBe(15);
  });
});
