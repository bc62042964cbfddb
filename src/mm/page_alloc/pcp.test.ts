import { describe, expect, it } from "vitest";
import { Counters } from "../../cost/counters.js";
import { ExecContext } from "../../lib/context.js";
import { CountingArchPageOps } from "../arch-page-ops.js";
import { GFP_HIGHUSER_MOVABLE, GFP_KERNEL } from "../gfp.js";
import { MIGRATE_UNMOVABLE } from "./migratetype.js";
import { PageAllocator } from "./page-allocator.js";
import { RecordingKasanHooks } from "./recording-kasan-hooks.js";

/** The default machine: 2 GiB, 2 CPUs. */
function machine(): { pa: PageAllocator; counters: Counters; ctx: ExecContext } {
  const counters = new Counters();
  const ctx = new ExecContext(2);
  const pa = new PageAllocator({
    nrCpus: 2,
    ctx,
    counters,
    hooks: new RecordingKasanHooks({ mode: "off", record: false }),
    arch: new CountingArchPageOps(counters),
    initOnAlloc: false,
    initOnFree: false,
    mode: "off",
  });
  return { pa, counters, ctx };
}

// Reserved: 16 MiB image + 524288 pages × 64 B memmap (32 MiB) = 48 MiB = 12288 pages, so the
// first free page is pfn 0x40000 + 12288 = 0x43000.
const FIRST_FREE = 0x43000;

describe("per-CPU page lists (rmqueue_pcplist, free_unref_page)", () => {
  it("an empty list is refilled with a batch in pfn order and served from its head", () => {
    const { pa, counters } = machine();
    const a = pa.allocPages(GFP_KERNEL, 0);
    // nr_pcp_alloc: high = min(971 + 63, 32000) = 1034; max_nr_alloc = max(1034 − 0 − 63, 63) = 971
    // ≥ 63, so batch = 63 (alloc_factor → 1). rmqueue_bulk appends 63 pages in ascending pfn order.
    expect(a).toBe(FIRST_FREE);
    expect(counters.cur.pcpRefills).toBe(1);
    expect(counters.cur.pcpHits).toBe(0);
    expect(pa.pcpCount(0)).toBe(62);
    expect(pa.pcpListPfns(0, 0, MIGRATE_UNMOVABLE).slice(0, 3)).toEqual([FIRST_FREE + 1, FIRST_FREE + 2, FIRST_FREE + 3]);
    // 63 pages taken one by one from a fresh order-10 block leave free blocks
    // [63] o0, [64] o6, [128] o7, [256] o8, [512] o9 = 5 blocks: splits = 5 − 1 + 63 = 67.
    expect(counters.cur.buddySplits).toBe(67);
    expect(pa.allocPages(GFP_KERNEL, 0)).toBe(FIRST_FREE + 1);
    expect(counters.cur.pcpHits).toBe(1);
  });

  it("a freed page is the next one its CPU allocates (LIFO)", () => {
    const { pa } = machine();
    const a = pa.allocPages(GFP_KERNEL, 0);
    const b = pa.allocPages(GFP_KERNEL, 0);
    pa.freePages(a, 0);
    expect(pa.allocPages(GFP_KERNEL, 0)).toBe(a);
    pa.freePages(a, 0);
    pa.freePages(b, 0);
    expect(pa.allocPages(GFP_KERNEL, 0)).toBe(b);
    expect(pa.allocPages(GFP_KERNEL, 0)).toBe(a);
  });

  it("lists are per CPU and per migratetype", () => {
    const { pa, ctx } = machine();
    const a = pa.allocPages(GFP_KERNEL, 0);
    ctx.cpu = 1;
    pa.freePages(a, 0);
    ctx.cpu = 0;
    expect(pa.allocPages(GFP_KERNEL, 0)).not.toBe(a);
    // A movable allocation does not see the unmovable list either.
    ctx.cpu = 1;
    expect(pa.allocPages(GFP_HIGHUSER_MOVABLE, 0)).not.toBe(a);
    expect(pa.allocPages(GFP_KERNEL, 0)).toBe(a);
  });

  it("orders 1..3 have their own lists; order 4 bypasses them", () => {
    const { pa, counters } = machine();
    const p = pa.allocPages(GFP_KERNEL, 2);
    // Refill for order 2: batch = max(63 >> 2, 2) = 15 blocks, one handed out.
    expect(pa.pcpCount(0)).toBe(14 * 4);
    pa.freePages(p, 2);
    expect(pa.allocPages(GFP_KERNEL, 2)).toBe(p);
    const refills = counters.cur.pcpRefills;
    const q = pa.allocPages(GFP_KERNEL, 4);
    expect(counters.cur.pcpRefills).toBe(refills);
    pa.freePages(q, 4);
    expect(pa.pcpListPfns(0, 4, MIGRATE_UNMOVABLE)).toEqual([]);
  });

  it("freeing up to pcp->high spills the oldest pages back to the buddy lists", () => {
    const { pa, counters } = machine();
    // 100 order-4 blocks straight from the buddy lists (no pcp involvement, pcp->high stays 971),
    // then every page freed as order 0 in ascending pfn order.
    const pages: number[] = [];
    for (let k = 0; k < 100; k++) {
      const b = pa.allocPages(GFP_KERNEL, 4);
      for (let j = 0; j < 16; j++) pages.push(b + j);
    }
    for (let k = 0; k < 970; k++) pa.freePages(pages[k], 0);
    expect(pa.pcpCount(0)).toBe(970);
    expect(counters.cur.pcpBulkFrees).toBe(0);
    pa.freePages(pages[970], 0);
    // 971st free: count 971 ≥ high 971. nr_pcp_high raises pcp->high to free_count + batch =
    // 971 + 63 = 1034 but returns 971; nr_pcp_free = clamp(free_count 971, 63, 971 − 63) = 908
    // pages leave from the list tail (the oldest), 63 stay: frees #909..#971, newest first.
    expect(counters.cur.pcpBulkFrees).toBe(1);
    expect(pa.pcpCount(0)).toBe(63);
    expect(pa.pcpState(0).high).toBe(1034);
    const list = pa.pcpListPfns(0, 0, MIGRATE_UNMOVABLE);
    expect(list.length).toBe(63);
    expect(list[0]).toBe(pages[970]);
    expect(list[62]).toBe(pages[908]);
    for (let k = 971; k < 1600; k++) pa.freePages(pages[k], 0);
    // 63 + 629 = 692 < 1034: no second spill.
    expect(pa.pcpCount(0)).toBe(692);
    expect(counters.cur.pcpBulkFrees).toBe(1);
    expect(pa.freePagesCount()).toBe(512000);
    // The most recently freed page is still the next one handed out.
    expect(pa.allocPages(GFP_KERNEL, 0)).toBe(pages[1599]);
  });

  it("drain_all_pages returns every cached page and the blocks merge again", () => {
    const { pa } = machine();
    const p = pa.allocPages(GFP_KERNEL, 0);
    pa.freePages(p, 0);
    expect(pa.pcpCount(0)).toBe(63);
    pa.drainAllPages();
    expect(pa.pcpCount(0)).toBe(0);
    expect(pa.nrFreePages).toBe(512000);
    expect(pa.nrFreeBlocks(10)).toBe(500);
  });
});
