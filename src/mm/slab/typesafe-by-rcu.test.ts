import { describe, expect, it } from "vitest";
import { ptrOffset, ptrTag } from "../../arch/pointer.js";
import { GFP_KERNEL } from "../gfp.js";
import { SLAB_TYPESAFE_BY_RCU } from "./flags.js";
import { makeSlabTestEnv } from "./slab-test-env.js";
import { slubRcuDebugDefault } from "./slab-allocator.js";

describe("SLAB_TYPESAFE_BY_RCU", () => {
  it("frees at once without poisoning when SLUB_RCU_DEBUG is off (hw_tags default), keeping the tag", () => {
    expect(slubRcuDebugDefault("hw_tags")).toBe(false);
    const { slab, kasan, rcu } = makeSlabTestEnv({ mode: "hw_tags" });
    const c = slab.kmemCacheCreate("rcu_cache", 200, 0, SLAB_TYPESAFE_BY_RCU);
    const p = slab.kmemCacheAlloc(c, GFP_KERNEL);
    expect(ptrTag(p)).not.toBe(0xff); // tag chosen at slab creation
    slab.kmemCacheFree(c, p);
    expect(kasan.callsOf("slabFree").map((x) => x.stillAccessible)).toEqual([true]);
    expect(rcu.pendingCallbacks).toBe(0);
    // Reused straight away, with the same tag: stale RCU readers keep a matching pointer.
    expect(slab.kmemCacheAlloc(c, GFP_KERNEL)).toBe(p);
  });

  it("defers the real free through call_rcu under SLUB_RCU_DEBUG (generic/sw_tags default)", () => {
    expect(slubRcuDebugDefault("sw_tags")).toBe(true);
    const { slab, kasan, rcu, counters } = makeSlabTestEnv({ mode: "sw_tags" });
    const c = slab.kmemCacheCreate("rcu_cache", 200, 0, SLAB_TYPESAFE_BY_RCU);
    const p = slab.kmemCacheAlloc(c, GFP_KERNEL);
    slab.kfree(slab.kmalloc(24, GFP_KERNEL)); // kmalloc-32 already has a cpu slab
    kasan.calls.length = 0;
    slab.kmemCacheFree(c, p);
    // slab_free_hook: pre-free check, then kmalloc(sizeof(struct rcu_delayed_free) = 24,
    // GFP_NOWAIT) from kmalloc-32, an aux stack, call_rcu — and no kasan_slab_free yet.
    expect(kasan.calls.map((x) => x.hook)).toEqual(["slabPreFree", "slabAlloc", "kmalloc", "recordAuxStack"]);
    expect(kasan.callsOf("slabAlloc")[0].cache).toBe("kmalloc-32");
    expect(rcu.pendingCallbacks).toBe(1);
    // Still not reusable: the next allocation is another object.
    const q = slab.kmemCacheAlloc(c, GFP_KERNEL);
    expect(ptrOffset(q)).not.toBe(ptrOffset(p));
    kasan.calls.length = 0;
    rcu.advanceGracePeriod();
    // slab_free_after_rcu_debug: kfree(delayed) first, then the free resumes after the delay.
    expect(kasan.calls.map((x) => `${x.hook}:${x.cache}`)).toEqual([
      "slabPreFree:kmalloc-32", "slabFree:kmalloc-32", "slabPreFree:rcu_cache", "slabFree:rcu_cache",
    ]);
    expect(kasan.callsOf("slabFree")[1].stillAccessible).toBe(false);
    expect(counters.byOrigin.other.rcuCallbacks + counters.byOrigin.slab.rcuCallbacks).toBe(1);
    expect(slab.kmemCacheAlloc(c, GFP_KERNEL)).toBe(p);
  });

  it("needs the grace period after the free: one already running is not enough", () => {
    const { slab, rcu } = makeSlabTestEnv({ mode: "generic" });
    const c = slab.kmemCacheCreate("rcu_cache", 64, 0, SLAB_TYPESAFE_BY_RCU);
    const p = slab.kmemCacheAlloc(c, GFP_KERNEL);
    rcu.callRcu(() => {}); // grace period 1 starts now
    slab.kmemCacheFree(c, p); // queued during GP 1 → waits for GP 2
    rcu.advanceGracePeriod();
    expect(c.liveObjects).toBe(1);
    rcu.advanceGracePeriod();
    expect(c.liveObjects).toBe(0);
  });

  it("catches an invalid free before deferring it (kmem_cache_invalid_free on an RCU cache)", () => {
    const { slab, kasan, rcu } = makeSlabTestEnv({ mode: "generic" });
    const c = slab.kmemCacheCreate("rcu_cache", 64, 0, SLAB_TYPESAFE_BY_RCU);
    const p = slab.kmemCacheAlloc(c, GFP_KERNEL);
    slab.kmemCacheFree(c, p + 1);
    expect(kasan.reports.map((r) => r.kind)).toEqual(["invalid-free"]);
    expect(rcu.pendingCallbacks).toBe(0);
  });

  it("sends the delayed object to the Generic quarantine and back through freeFromQuarantine", () => {
    const { slab, kasan, rcu } = makeSlabTestEnv({ mode: "generic" });
    kasan.useQuarantine = true;
    const c = slab.kmemCacheCreate("rcu_cache", 64, 0, SLAB_TYPESAFE_BY_RCU);
    const p = slab.kmemCacheAlloc(c, GFP_KERNEL);
    slab.kmemCacheFree(c, p);
    rcu.barrier();
    // The rcu_delayed_free record and the object are both in quarantine now.
    expect(kasan.quarantine.map((q) => q.cache.name)).toEqual(["kmalloc-32", "rcu_cache"]);
    expect(c.liveObjects).toBe(1);
    for (const q of kasan.quarantine.splice(0)) slab.freeFromQuarantine(q.cache, q.object);
    expect(c.liveObjects).toBe(0);
    expect(slab.kmemCacheAlloc(c, GFP_KERNEL)).toBe(p);
  });

  it("waits for deferred frees and RCU-freed slab pages in kmem_cache_destroy", () => {
    const { slab, pages } = makeSlabTestEnv({ mode: "sw_tags" });
    const before = pages.allocatedPages();
    const c = slab.kmemCacheCreate("rcu_cache", 200, 0, SLAB_TYPESAFE_BY_RCU);
    const p = slab.kmemCacheAlloc(c, GFP_KERNEL);
    slab.kmemCacheFree(c, p); // deferred
    slab.kmemCacheDestroy(c); // rcu_barrier → freed; slab discarded via call_rcu → barrier again
    expect(slab.warnings).toEqual([]);
    expect(c.nrSlabs).toBe(0);
    // The cache's own slab page is back; the one new page left is kmalloc-32's slab, which the
    // rcu_delayed_free record came from (struct and node objects fit existing slabs).
    expect(pages.allocatedPages()).toBe(before + 1);
    expect(slab.kmallocCacheFor(24)!.nrSlabs).toBe(1);
  });
});
