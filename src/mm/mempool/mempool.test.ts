/** mempool_t: the reserve, add_element/remove_element and their KASAN poisoning. */
import { describe, expect, it } from "vitest";
import { ptrOffset } from "../../arch/pointer.js";
import { bootKernel, type Kernel } from "../../kernel/kernel.js";
import { GFP_KERNEL } from "../gfp.js";
import type { KmemCache } from "../slab/kmem-cache.js";
import { Mempool, type MempoolAllocators } from "./mempool.js";

function mm(k: Kernel): MempoolAllocators<KmemCache> {
  return {
    kmalloc: (s, g) => k.slab.kmalloc(s, g),
    kfree: (p, ip) => k.slab.kfree(p, ip),
    kmemCacheAlloc: (c, g) => k.slab.kmemCacheAlloc(c, g),
    kmemCacheFree: (c, p, ip) => k.slab.kmemCacheFree(c, p, ip),
    kmemCacheSize: (c) => c.objectSize,
    allocPages: (g, o) => k.pages.allocPages(g, o),
    freePages: (pfn, o) => k.pages.freePages(pfn, o),
    hooks: k.kasan.hooks,
  };
}

describe("mempool (generic KASAN)", () => {
  it("preallocates min_nr poisoned elements and hands them out unpoisoned, newest first", () => {
    const k = bootKernel({ mode: "generic", seed: 1, cmdline: "kasan_multi_shot" });
    const pool = Mempool.initKmallocPool(mm(k), 4, 100);
    expect(pool.currNr).toBe(4);
    const e = pool.allocPreallocated();
    if (e === undefined) throw new Error("no element");
    expect(pool.currNr).toBe(3);
    // remove_element() unpoisoned 100 bytes: [0,100) fine, 100 is the kmalloc redzone.
    expect(k.access.read(e + 99, 1)).toBe(true);
    expect(k.reports.count).toBe(0);
    expect(k.access.read(e + 100, 1)).toBe(false);
    expect(k.reports.events[0].bugType).toBe("slab-out-of-bounds");
    // Back into the reserve (curr_nr 3 < 4): poisoned like a freed object, no quarantine.
    pool.free(e, 0);
    expect(pool.currNr).toBe(4);
    expect(k.access.read(e, 1)).toBe(false);
    expect(k.reports.events[1].bugType).toBe("slab-use-after-free");
  });

  it("a full reserve frees to the allocator; a second free while short is a double free and is kept out", () => {
    const k = bootKernel({ mode: "generic", seed: 1, cmdline: "kasan_multi_shot" });
    const pool = Mempool.initKmallocPool(mm(k), 2, 128);
    const a = pool.allocPreallocated() ?? 0;
    const b = pool.allocPreallocated() ?? 0;
    pool.free(a, 0);
    pool.free(a, 0); // curr_nr 1 < 2: add_element → kasan_mempool_poison_object reports
    expect(k.reports.events.map((e) => e.bugType)).toEqual(["double-free"]);
    expect(pool.currNr).toBe(1);
    pool.free(b, 0);
    expect(pool.currNr).toBe(2);
    const c = k.slab.kmalloc(128, GFP_KERNEL);
    pool.free(c, 0); // reserve full: mempool_kfree()
    expect(pool.currNr).toBe(2);
    pool.exit();
    expect(() => pool.free(c, 0)).toThrow(/mempool_exit/);
  });

  it("page pools poison whole blocks with KASAN_PAGE_FREE", () => {
    const k = bootKernel({ mode: "generic", seed: 1, cmdline: "kasan_multi_shot" });
    const pool = Mempool.initPagePool(mm(k), 2, 2);
    const pfn = pool.allocPreallocated() ?? -1;
    const p = k.pages.pageAddress(pfn);
    expect(k.access.read(p + 4 * 4096 - 1, 1)).toBe(true);
    pool.free(pfn, 0);
    expect(k.access.read(p + 8192, 1)).toBe(false);
    expect(k.reports.events[0].bugType).toBe("use-after-free");
    expect(ptrOffset(k.reports.events[0].accessAddr)).toBe(ptrOffset(p) + 8192);
  });
});
