import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { GFP_KERNEL, __GFP_DMA, __GFP_RECLAIMABLE, __GFP_ACCOUNT } from "../gfp.js";
import { makeSlabTestEnv } from "./slab-test-env.js";
import { ZERO_SIZE_PTR } from "./slab-allocator.js";
import { kmallocIndex, kmallocSlabIndex } from "./kmalloc-info.js";

function cacheName(env: ReturnType<typeof makeSlabTestEnv>, size: number, gfp = GFP_KERNEL): string | undefined {
  return env.slab.kmallocCacheFor(size, gfp)?.name;
}

describe("kmalloc size classes (kmalloc_slab / kmalloc_size_index)", () => {
  it("maps request sizes to kmalloc-8 … kmalloc-8k with the 96 and 192 classes (minalign 8)", () => {
    const env = makeSlabTestEnv({ mode: "off" });
    // size_index covers 1..192 in steps of 8: 65..96 → kmalloc-96, 129..192 → kmalloc-192;
    // beyond 192 the class is 2^fls(size-1).
    const expected: [number, string][] = [
      [1, "kmalloc-8"], [8, "kmalloc-8"], [9, "kmalloc-16"], [24, "kmalloc-32"], [33, "kmalloc-64"],
      [64, "kmalloc-64"], [65, "kmalloc-96"], [96, "kmalloc-96"], [97, "kmalloc-128"], [128, "kmalloc-128"],
      [129, "kmalloc-192"], [192, "kmalloc-192"], [193, "kmalloc-256"], [257, "kmalloc-512"],
      [1000, "kmalloc-1k"], [2048, "kmalloc-2k"], [4097, "kmalloc-8k"], [8192, "kmalloc-8k"],
    ];
    for (const [size, name] of expected) expect(cacheName(env, size), `size ${size}`).toBe(name);
    // Above KMALLOC_MAX_CACHE_SIZE (8 KiB) kmalloc goes to the page allocator.
    expect(env.slab.kmallocCacheFor(8193)).toBeUndefined();
    expect(env.slab.kmalloc(0, GFP_KERNEL)).toBe(ZERO_SIZE_PTR);
  });

  it("creates 13 classes per type (96, 192, 8 … 8k) for normal, reclaimable and DMA kmalloc", () => {
    const env = makeSlabTestEnv({ mode: "off" });
    const names = env.slab.caches().map((c) => c.name);
    // 2 boot caches + 3 types × (2 odd classes + 11 powers of two 2^3..2^13) = 2 + 39.
    expect(names.length).toBe(41);
    expect(names.slice(0, 5)).toEqual(["kmem_cache", "kmem_cache_node", "kmalloc-96", "kmalloc-192", "kmalloc-8"]);
    expect(names).toContain("kmalloc-rcl-1k");
    expect(names).toContain("dma-kmalloc-8k");
    expect(names.some((n) => n.startsWith("kmalloc-cg-"))).toBe(false);
  });

  it("picks the cache type from the gfp mask (kmalloc_type)", () => {
    const env = makeSlabTestEnv({ mode: "off" });
    expect(cacheName(env, 100, GFP_KERNEL | __GFP_RECLAIMABLE)).toBe("kmalloc-rcl-128");
    expect(cacheName(env, 100, GFP_KERNEL | __GFP_DMA)).toBe("dma-kmalloc-128");
    // __GFP_DMA wins over __GFP_RECLAIMABLE.
    expect(cacheName(env, 100, GFP_KERNEL | __GFP_DMA | __GFP_RECLAIMABLE)).toBe("dma-kmalloc-128");
    // Without CONFIG_MEMCG __GFP_ACCOUNT stays in the normal caches; with it, kmalloc-cg-*.
    expect(cacheName(env, 100, GFP_KERNEL | __GFP_ACCOUNT)).toBe("kmalloc-128");
    const memcg = makeSlabTestEnv({ mode: "off", memcg: true });
    expect(cacheName(memcg, 100, GFP_KERNEL | __GFP_ACCOUNT)).toBe("kmalloc-cg-128");
  });
});

describe("__kmalloc_minalign() aliasing (new_kmalloc_cache)", () => {
  it("serves kmalloc-8 from kmalloc-16 under both tag modes (arch_slab_minalign 16)", () => {
    for (const mode of ["hw_tags", "sw_tags"] as const) {
      const env = makeSlabTestEnv({ mode });
      expect(env.slab.kmallocMinalign).toBe(16);
      expect(cacheName(env, 8)).toBe("kmalloc-16");
      expect(cacheName(env, 1)).toBe("kmalloc-16");
      // 96 and 192 are multiples of 16: they stay.
      expect(cacheName(env, 88)).toBe("kmalloc-96");
      expect(cacheName(env, 150)).toBe("kmalloc-192");
      // One class fewer per type: 3 × 12 + 2 boot caches.
      expect(env.slab.caches().length).toBe(38);
      expect(env.slab.caches().map((c) => c.name)).not.toContain("kmalloc-8");
    }
  });

  it("matches the shipped 6.12 hw_tags trace (bytes_req → bytes_alloc)", () => {
    const env = makeSlabTestEnv({ mode: "hw_tags" });
    // trace-boot.txt: bytes_req=8 bytes_alloc=16, 20 → 32, 88 → 96, 136 → 192 (kmalloc), 561 → 1024.
    const pairs: [number, number][] = [[8, 16], [5, 16], [20, 32], [88, 96], [72, 96], [216, 256], [561, 1024], [2592, 4096]];
    for (const [req, alloc] of pairs) expect(env.slab.kmallocCacheFor(req)?.size, `req ${req}`).toBe(alloc);
  });

  it("keeps kmalloc-8 for generic, KASAN off and hw_tags booted with kasan=off", () => {
    expect(cacheName(makeSlabTestEnv({ mode: "generic" }), 8)).toBe("kmalloc-8");
    expect(cacheName(makeSlabTestEnv({ mode: "off" }), 8)).toBe("kmalloc-8");
    const disabled = makeSlabTestEnv({ mode: "hw_tags", kasanHwEnabled: false });
    expect(disabled.slab.kmallocMinalign).toBe(8);
    expect(cacheName(disabled, 8)).toBe("kmalloc-8");
  });

  it("without DMA bouncing aliases up to the cache line (kmallocMinAlign 64 / 128)", () => {
    const e64 = makeSlabTestEnv({ mode: "off", kmallocMinAlign: 64 });
    // ALIGN(8|16|32, 64) = 64; ALIGN(96, 64) = 128; 192 is a multiple of 64.
    expect([8, 16, 32, 64].map((n) => cacheName(e64, n))).toEqual(["kmalloc-64", "kmalloc-64", "kmalloc-64", "kmalloc-64"]);
    expect(cacheName(e64, 96)).toBe("kmalloc-128");
    expect(cacheName(e64, 192)).toBe("kmalloc-192");
    const e128 = makeSlabTestEnv({ mode: "off", kmallocMinAlign: 128 });
    expect(cacheName(e128, 64)).toBe("kmalloc-128");
    expect(cacheName(e128, 192)).toBe("kmalloc-256");
    expect(() => makeSlabTestEnv({ mode: "off", kmallocMinAlign: 48 })).toThrow(/kmallocMinAlign/);
  });

  it("always serves a request from a class at least as large (property)", () => {
    const env = makeSlabTestEnv({ mode: "hw_tags" });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8192 }), (size) => {
        const c = env.slab.kmallocCacheFor(size)!;
        expect(c.objectSize).toBeGreaterThanOrEqual(size);
        expect(c.objectSize % 16).toBe(0);
        // The index functions agree with each other for every size.
        expect(kmallocSlabIndex(size)).toBe(kmallocIndex(size));
      }),
    );
  });
});
