import { describe, expect, it } from "vitest";
import { ptrOffset, type Ptr } from "../../arch/pointer.js";
import { GFP_KERNEL, __GFP_ZERO, formatGfp } from "../gfp.js";
import { makeSlabTestEnv } from "./slab-test-env.js";
import type { SlabTracer } from "./slab-allocator.js";

function recorder(): { tracer: SlabTracer; lines: string[] } {
  const lines: string[] = [];
  const tracer: SlabTracer = {
    kmalloc: (_p: Ptr, req, alloc, gfp, node) => lines.push(`kmalloc: bytes_req=${req} bytes_alloc=${alloc} gfp_flags=${formatGfp(gfp)} node=${node}`),
    kmemCacheAlloc: (_p: Ptr, req, alloc, gfp, node) => lines.push(`kmem_cache_alloc: bytes_req=${req} bytes_alloc=${alloc} gfp_flags=${formatGfp(gfp)} node=${node}`),
    kfree: () => lines.push("kfree"),
    kmemCacheFree: (_p: Ptr, name) => lines.push(`kmem_cache_free: name=${name}`),
  };
  return { tracer, lines };
}

describe("kmem tracepoints", () => {
  it("emit what the 6.12 hw_tags trace shows for kmem_cache_create and kmalloc", () => {
    const { slab } = makeSlabTestEnv({ mode: "hw_tags" });
    const { tracer, lines } = recorder();
    slab.tracer = tracer;
    slab.kmemCacheCreate("test_cache", 200, 0, 0);
    const p = slab.kmalloc(8, GFP_KERNEL | __GFP_ZERO);
    slab.kfree(p);
    // trace-boot.txt: __kmem_cache_create_args 184/192 GFP_KERNEL|__GFP_ZERO node=-1, then
    // do_kmem_cache_create 64/64 GFP_KERNEL node=0; irq_set_percpu_devid_partition kmalloc 8 → 16.
    expect(lines).toEqual([
      "kmem_cache_alloc: bytes_req=184 bytes_alloc=192 gfp_flags=GFP_KERNEL|__GFP_ZERO node=-1",
      "kmem_cache_alloc: bytes_req=64 bytes_alloc=64 gfp_flags=GFP_KERNEL node=0",
      "kmalloc: bytes_req=8 bytes_alloc=16 gfp_flags=GFP_KERNEL|__GFP_ZERO node=-1",
      "kfree",
    ]);
  });

  it("reports page-backed kmalloc with the block size and names the cache on kmem_cache_free", () => {
    const { slab } = makeSlabTestEnv({ mode: "generic" });
    const { tracer, lines } = recorder();
    const c = slab.kmemCacheCreate("named", 64, 0, 0);
    const o = slab.kmemCacheAlloc(c, GFP_KERNEL);
    slab.tracer = tracer;
    const big = slab.kmalloc(10000, GFP_KERNEL);
    slab.kmemCacheFree(c, o);
    expect(lines).toEqual([
      "kmalloc: bytes_req=10000 bytes_alloc=16384 gfp_flags=GFP_KERNEL node=-1",
      "kmem_cache_free: name=named",
    ]);
    expect(ptrOffset(big) % 4096).toBe(0);
    // Generic: struct kmem_cache grows by struct kasan_cache (184 + 8).
    expect(slab.kmemCacheCache.objectSize).toBe(192);
  });
});
