import { describe, expect, it } from "vitest";
import { ptrOffset } from "../../arch/pointer.js";
import { GFP_KERNEL, __GFP_COMP, formatGfp } from "../gfp.js";
import { pfnToOffset } from "../memory-layout.js";
import { makeSlabTestEnv } from "./slab-test-env.js";
import { KMALLOC_MAX_SIZE } from "./sizes.js";

describe("kmalloc_large (__kmalloc_large_node / free_large_kmalloc)", () => {
  it("takes get_order(size) compound pages from the page allocator, counted under the slab origin", () => {
    const { slab, pages, counters, kasan } = makeSlabTestEnv({ mode: "hw_tags" });
    pages.log.length = 0;
    const slabPages = slab.slabPagesInUse();
    const pagesBefore = counters.byOrigin.slab.pagesAllocated;
    counters.enter("other");
    const p = slab.kmalloc(8193, GFP_KERNEL);
    counters.leave();
    // 8193 > KMALLOC_MAX_CACHE_SIZE; get_order(8193) = 2 (16 KiB); gfp gains __GFP_COMP.
    expect(pages.log.map((l) => [l.order, formatGfp(l.gfp)])).toEqual([[2, "GFP_KERNEL|__GFP_COMP"]]);
    const pfn = pages.log[0].pfn;
    expect(ptrOffset(p)).toBe(pfnToOffset(pfn));
    expect(p).toBe(pages.pageAddress(pfn)); // folio_address carries the page's tag
    expect(kasan.callsOf("kmallocLarge").map((c) => [c.size, (c.gfp! & __GFP_COMP) !== 0])).toEqual([[8193, true]]);
    expect(slab.findObject(p)).toBeUndefined();
    expect(slab.slabPagesInUse() - slabPages).toBe(4);
    // The caller ran under "other", but the pages are the slab allocator's.
    expect(counters.byOrigin.slab.kmallocLarge).toBe(1);
    expect(counters.byOrigin.slab.pagesAllocated - pagesBefore).toBe(4);
    expect(counters.byOrigin.other.pageAllocs).toBe(0);
    slab.kfree(p);
    expect(slab.slabPagesInUse()).toBe(slabPages);
    expect(counters.byOrigin.slab.pagesFreed).toBeGreaterThanOrEqual(4);
  });

  it("fails above KMALLOC_MAX_SIZE; an invalid free is reported and, as in 6.12, still frees the block", () => {
    const { slab, kasan, pages } = makeSlabTestEnv({ mode: "generic" });
    expect(slab.kmalloc(KMALLOC_MAX_SIZE + 1, GFP_KERNEL)).toBe(0);
    expect(slab.warnings.some((w) => w.includes("MAX_PAGE_ORDER"))).toBe(true);
    const p = slab.kmalloc(3 * 4096 * 2, GFP_KERNEL); // 24 KiB → order 3 = 8 pages
    const allocated = pages.allocatedPages();
    slab.kfree(p + 64); // kmalloc_large_invalid_free: free_large_kmalloc ignores KASAN's verdict
    expect(kasan.reports.map((r) => r.kind)).toEqual(["invalid-free"]);
    expect(pages.allocatedPages()).toBe(allocated - 8);
    // Freeing it again cannot reach the buddy allocator twice: the model stops with the
    // kernel's "Bad page state" complaint instead of corrupting its free lists.
    slab.kfree(p);
    expect(pages.allocatedPages()).toBe(allocated - 8);
    expect(slab.warnings.some((w) => w.startsWith("BUG: Bad page state"))).toBe(true);
  });
});
