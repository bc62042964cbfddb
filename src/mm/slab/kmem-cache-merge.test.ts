import { describe, expect, it } from "vitest";
import { SLAB_RECLAIM_ACCOUNT, SLAB_TYPESAFE_BY_RCU } from "./flags.js";
import { makeSlabTestEnv } from "./slab-test-env.js";

const noop = (): void => {};

describe("cache merging (find_mergeable / __kmem_cache_alias)", () => {
  it("is off by default, as in the traced Debian 6.12 kernel", () => {
    const { slab } = makeSlabTestEnv({ mode: "off" });
    const a = slab.kmemCacheCreate("a", 200, 0, 0);
    const b = slab.kmemCacheCreate("b", 200, 0, 0);
    expect(b).not.toBe(a);
    expect(b.name).toBe("b");
  });

  it("merges a cache into an older one of the same aligned size and reports the older name", () => {
    const { slab } = makeSlabTestEnv({ mode: "off", slabMerge: true });
    const a = slab.kmemCacheCreate("a", 200, 0, 0);
    // 196 → ALIGN(196, 8) = 200 = a->size: 200 - 200 < 8 → alias.
    const b = slab.kmemCacheCreate("b", 196, 0, 0);
    expect(b).toBe(a);
    expect(b.name).toBe("a");
    expect(a.refcount).toBe(2);
    // 192: a->size - 192 = 8, not < sizeof(void *) → a cache of its own.
    expect(slab.kmemCacheCreate("c", 192, 0, 0).name).toBe("c");
  });

  it("never merges into kmalloc caches under CONFIG_HARDENED_USERCOPY; without it, 192 joins kmalloc-192 but 200 does not join kmalloc-256", () => {
    const hardened = makeSlabTestEnv({ mode: "off", slabMerge: true });
    expect(hardened.slab.kmemCacheCreate("x", 192, 0, 0).name).toBe("x");
    const plain = makeSlabTestEnv({ mode: "off", slabMerge: true, hardenedUsercopy: false });
    // Oldest first: kmalloc-192 (normal) is the first cache with size 192 and no MERGE_SAME flags.
    const m = plain.slab.kmemCacheCreate("x", 192, 0, 0);
    expect(m.name).toBe("kmalloc-192");
    // 256 - 200 = 56 >= 8: no kmalloc class is close enough for a 200-byte cache.
    expect(plain.slab.kmemCacheCreate("y", 200, 0, 0).name).toBe("y");
    // SLAB_RECLAIM_ACCOUNT is in SLAB_MERGE_SAME: a reclaimable 192 joins kmalloc-rcl-192.
    expect(plain.slab.kmemCacheCreate("z", 192, 0, SLAB_RECLAIM_ACCOUNT).name).toBe("kmalloc-rcl-192");
  });

  it("never merges TYPESAFE_BY_RCU caches, caches with a constructor, or Generic KASAN caches", () => {
    const { slab } = makeSlabTestEnv({ mode: "off", slabMerge: true });
    const r1 = slab.kmemCacheCreate("r1", 200, 0, SLAB_TYPESAFE_BY_RCU);
    expect(slab.kmemCacheCreate("r2", 200, 0, SLAB_TYPESAFE_BY_RCU)).not.toBe(r1);
    const k1 = slab.kmemCacheCreate("k1", 200, 0, 0, noop);
    expect(slab.kmemCacheCreate("k2", 200, 0, 0)).not.toBe(k1);
    // Generic: kasan_cache_create sets SLAB_NO_MERGE on every cache, so nothing is a target.
    const g = makeSlabTestEnv({ mode: "generic", slabMerge: true });
    const g1 = g.slab.kmemCacheCreate("g1", 200, 0, 0);
    expect(g.slab.kmemCacheCreate("g2", 200, 0, 0)).not.toBe(g1);
  });

  it("grows the target's object_size for the alias and keeps it alive until the last destroy", () => {
    const { slab } = makeSlabTestEnv({ mode: "hw_tags", slabMerge: true });
    // hw_tags aligns to 16: 193 → 208 and 200 → 208 share a slot size.
    const a = slab.kmemCacheCreate("a", 193, 0, 0);
    const b = slab.kmemCacheCreate("b", 200, 0, 0);
    expect(b).toBe(a);
    expect([a.objectSize, a.inuse, a.size]).toEqual([200, 200, 208]);
    slab.kmemCacheDestroy(b);
    expect(a.listed).toBe(true);
    slab.kmemCacheDestroy(a);
    expect(a.listed).toBe(false);
  });
});
