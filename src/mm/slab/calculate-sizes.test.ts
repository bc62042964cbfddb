import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { SLAB_HWCACHE_ALIGN, SLAB_KASAN, SLAB_NO_MERGE, SLAB_TYPESAFE_BY_RCU, SLAB_RED_ZONE } from "./flags.js";
import { makeSlabTestEnv } from "./slab-test-env.js";
import { calculateOrder, orderObjects, SLUB_MAX_ORDER } from "./sizes.js";

const noop = (): void => {};

describe("calculate_sizes: object layout per mode", () => {
  it("lays out a plain 200-byte cache (KASAN off): word-aligned, free pointer mid-object", () => {
    const { slab } = makeSlabTestEnv({ mode: "off" });
    const c = slab.kmemCacheCreate("test_cache", 200, 0, 0);
    // size = ALIGN(200, 8) = 200; offset = ALIGN_DOWN(200 / 2, 8) = 96.
    expect([c.objectSize, c.inuse, c.offset, c.size]).toEqual([200, 200, 96, 200]);
    // 2 CPUs: min_objects = 4 * (fls(2) + 1) = 12; 12 * 200 = 2400 → get_order = 0;
    // 4096 % 200 = 96 <= 4096 / 16 → order 0 with 4096 / 200 = 20 objects.
    expect([c.order, c.objectsPerSlab]).toEqual([0, 20]);
  });

  it("rounds every object to 16 bytes under the tag modes", () => {
    for (const mode of ["hw_tags", "sw_tags"] as const) {
      const { slab } = makeSlabTestEnv({ mode });
      const c = slab.kmemCacheCreate("test_cache", 200, 0, 0);
      // align = max(0, arch_slab_minalign 16) → size ALIGN(200, 16) = 208; 4096 / 208 = 19,
      // waste 4096 - 19 * 208 = 144 <= 256 → order 0.
      expect([c.size, c.align, c.order, c.objectsPerSlab]).toEqual([208, 16, 0, 19]);
    }
  });

  it("adds Generic KASAN metadata and the adaptive redzone through kasan_cache_create", () => {
    const { slab } = makeSlabTestEnv({ mode: "generic" });
    const c = slab.kmemCacheCreate("test_cache", 200, 0, 0);
    // alloc meta at 200 (+16 = 216); free meta inside the object (200 >= 16);
    // optimal redzone for 200 (<= 448) is 64: 264 > 216 → size 264, 8-aligned.
    expect(c.size).toBe(264);
    expect(c.kasanInfo).toEqual({ allocMetaOffset: 200, freeMetaOffset: 0 });
    expect(c.flags & (SLAB_KASAN | SLAB_NO_MERGE)).toBe(SLAB_KASAN | SLAB_NO_MERGE);
    // 12 * 264 = 3168 → order 0; 4096 % 264 = 136 <= 256 → 15 objects.
    expect([c.order, c.objectsPerSlab]).toEqual([0, 15]);
  });

  it("puts the free pointer after the object for TYPESAFE_BY_RCU and ctor caches (anon_vma: 96 → 112)", () => {
    const { slab } = makeSlabTestEnv({ mode: "hw_tags" });
    const c = slab.kmemCacheCreate("anon_vma", 96, 0, SLAB_TYPESAFE_BY_RCU, noop);
    // inuse 96, offset = 96, size 96 + 8 = 104 → ALIGN(104, 16) = 112 (trace: bytes_req=96 bytes_alloc=112).
    expect([c.inuse, c.offset, c.size]).toEqual([96, 96, 112]);
    // Generic: the free meta goes after alloc meta, outside the object: 104 + 16 (alloc) = 120,
    // free meta at 120 (+16 = 136); optimal 96 + 32 = 128 < 136 → 136.
    const g = makeSlabTestEnv({ mode: "generic" }).slab.kmemCacheCreate("anon_vma", 96, 0, SLAB_TYPESAFE_BY_RCU, noop);
    expect(g.size).toBe(136);
    expect(g.kasanInfo).toEqual({ allocMetaOffset: 104, freeMetaOffset: 120 });
  });

  it("reproduces the geometry of caches seen in the 6.12 hw_tags trace", () => {
    const { slab } = makeSlabTestEnv({ mode: "hw_tags" });
    // struct kmem_cache: 184 bytes, SLAB_HWCACHE_ALIGN → 64-byte alignment → 192 (ptrs 0xc0 apart).
    expect(slab.kmemCacheCache.size).toBe(192);
    expect(slab.kmemCacheCache.objectsPerSlab).toBe(21);
    // inode cache: 552 → 560; 12 * 560 = 6720 → order 1; 8192 % 560 = 352 <= 512 → 14 objects
    // (trace: 14 objects from ...7124000 to ...7125c70, the next slab starts at ...7126000).
    const inode = slab.kmemCacheCreate("proc_inode_cache", 552, 0, 0);
    expect([inode.size, inode.order, inode.objectsPerSlab]).toEqual([560, 1, 14]);
    // task_struct: 3328 with 64-byte alignment; max_objects = 32768 / 3328 = 9 caps min_objects,
    // min_order = get_order(9 * 3328) = 3; 32768 % 3328 = 2816 > 2048 (1/16) but <= 4096 (1/8)
    // → order 3, 9 objects (trace: 9 task_structs 0xd00 apart per slab).
    const task = slab.kmemCacheCreate("task_struct", 3328, 64, 0);
    expect([task.size, task.order, task.objectsPerSlab]).toEqual([3328, 3, 9]);
    // kernfs_node_cache: 136 → 144.
    expect(slab.kmemCacheCreate("kernfs_node_cache", 136, 0, 0).size).toBe(144);
  });

  it("aligns kmalloc caches to the natural alignment of their size (create_boot_cache)", () => {
    const { slab } = makeSlabTestEnv({ mode: "generic" });
    const k128 = slab.kmallocCacheFor(128)!;
    // Generic: 128 + 16 alloc meta = 144 < 128 + 64 redzone = 192; aligned to 128 → 256 stride.
    expect([k128.align, k128.size, k128.objectsPerSlab]).toEqual([128, 256, 16]);
    const k96 = slab.kmallocCacheFor(96)!;
    // 96: align = largest power-of-two divisor 32; 96 + 32 redzone = 128.
    expect([k96.align, k96.size]).toEqual([32, 128]);
    const k8 = slab.kmallocCacheFor(8)!;
    // 8: alloc meta at 8 (24), free meta 16 > 8 so 8 more bytes spill (32, alloc meta moves to 16);
    // optimal 8 + 16 = 24 < 32.
    expect([k8.size, k8.kasanInfo.allocMetaOffset, k8.kasanInfo.freeMetaOffset]).toEqual([32, 16, 0]);
  });

  it("applies SLAB_HWCACHE_ALIGN by halving the cache line while the object fits twice", () => {
    const { slab } = makeSlabTestEnv({ mode: "off" });
    // 20 bytes: 64 → 32 (20 <= 32) → stays 32 (20 > 16).
    expect(slab.kmemCacheCreate("hw20", 20, 0, SLAB_HWCACHE_ALIGN).size).toBe(32);
    expect(slab.kmemCacheCreate("hw40", 40, 0, SLAB_HWCACHE_ALIGN).size).toBe(64);
  });

  it("refuses bad arguments with the field named", () => {
    const { slab } = makeSlabTestEnv({ mode: "off" });
    expect(() => slab.kmemCacheCreate("", 8, 0, 0)).toThrow(/name/);
    expect(() => slab.kmemCacheCreate("x", 0, 0, 0)).toThrow(/size/);
    expect(() => slab.kmemCacheCreate("x", 8, 24, 0)).toThrow(/align/);
    expect(() => slab.kmemCacheCreate("x", 8, 0, 1 << 30)).toThrow(/flags/);
    expect(() => slab.kmemCacheCreate("x", 8, 0, SLAB_RED_ZONE)).toThrow(/slub_debug/);
  });
});

describe("calculate_order", () => {
  it("derives min_objects from the CPU count", () => {
    // 1 CPU: 4 * (1 + 1) = 8 objects of 1024 = 8192 → order 1; 4 CPUs: 16 * 1024 → order 2;
    // 8 CPUs: 20 * 1024 = 20480 → order 3.
    expect(calculateOrder(1024, { nrCpus: 1 })).toBe(1);
    expect(calculateOrder(1024, { nrCpus: 4 })).toBe(2);
    expect(calculateOrder(1024, { nrCpus: 8 })).toBe(3);
    // Objects larger than slub_max_order's slab fall back to get_order(size).
    expect(calculateOrder(40000, { nrCpus: 2 })).toBe(4);
  });

  it("never exceeds slub_max_order for objects that fit and always holds one object (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 8, max: 8192 }), fc.integer({ min: 1, max: 256 }), (size, nrCpus) => {
        const order = calculateOrder(size, { nrCpus });
        expect(order).toBeGreaterThanOrEqual(0);
        expect(order).toBeLessThanOrEqual(SLUB_MAX_ORDER);
        expect(orderObjects(order, size)).toBeGreaterThanOrEqual(1);
      }),
    );
  });
});
