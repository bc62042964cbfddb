import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { Counters } from "../../cost/counters.js";
import { ExecContext } from "../../lib/context.js";
import { Prng } from "../../lib/prng.js";
import { CountingArchPageOps } from "../arch-page-ops.js";
import { GFP_HIGHUSER_MOVABLE, GFP_KERNEL, __GFP_COMP } from "../gfp.js";
import { MIGRATE_MOVABLE, MIGRATE_UNMOVABLE } from "./migratetype.js";
import { PageAllocator } from "./page-allocator.js";
import { PGTY_slab, PG_hwpoison, PG_mte_tagged } from "./page-flags.js";
import { RecordingKasanHooks } from "./recording-kasan-hooks.js";

const BASE = 0x40000;

/** 8 MiB, nothing reserved: exactly two order-10 blocks, pfns 0x40000 and 0x40400. */
function small(memoryBytes = 8 << 20, nrCpus = 1): { pa: PageAllocator; counters: Counters; ctx: ExecContext } {
  const counters = new Counters();
  const ctx = new ExecContext(nrCpus);
  const pa = new PageAllocator({
    memoryBytes,
    reservedBytes: 0,
    nrCpus,
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

describe("__rmqueue_smallest / expand / __rmqueue_fallback", () => {
  it("the first unmovable order-4 allocation claims a whole movable order-10 block and splits it 6 times", () => {
    const { pa, counters } = small();
    expect(pa.freeListPfns(10, MIGRATE_MOVABLE)).toEqual([BASE, BASE + 1024]);
    const pfn = pa.allocPages(GFP_KERNEL, 4);
    // No unmovable block exists: the fallback takes the first movable order-10 block, retypes
    // both of its pageblocks, then expand() halves 10→9→8→7→6→5→4: 6 splits.
    expect(pfn).toBe(BASE);
    expect(counters.cur.buddySplits).toBe(6);
    expect(pa.pageblockMigratetype(BASE)).toBe(MIGRATE_UNMOVABLE);
    expect(pa.pageblockMigratetype(BASE + 512)).toBe(MIGRATE_UNMOVABLE);
    expect(pa.pageblockMigratetype(BASE + 1024)).toBe(MIGRATE_MOVABLE);
    // The upper halves sit on the unmovable lists: [512] o9, [256] o8, ..., [16] o4.
    for (let o = 4; o <= 9; o++) expect(pa.freeListPfns(o, MIGRATE_UNMOVABLE)).toEqual([BASE + (1 << o)]);
    // 2048 − 16 pages stay free.
    expect(pa.freePagesCount()).toBe(2032);
    expect(counters.cur.pageAllocs).toBe(1);
    expect(counters.cur.pagesAllocated).toBe(16);
  });

  it("a movable allocation is served from the movable list without stealing", () => {
    const { pa, counters } = small();
    expect(pa.allocPages(GFP_HIGHUSER_MOVABLE, 5)).toBe(BASE);
    // 10→5: 5 splits; the block stays movable.
    expect(counters.cur.buddySplits).toBe(5);
    expect(pa.pageblockMigratetype(BASE)).toBe(MIGRATE_MOVABLE);
  });

  it("split/merge counts for alloc A, alloc B, free A, free B", () => {
    const { pa, counters } = small();
    const a = pa.allocPages(GFP_KERNEL, 4);
    const b = pa.allocPages(GFP_KERNEL, 4);
    // A: 6 splits (above); B is A's buddy [16], already on the order-4 list: no split.
    expect([a, b]).toEqual([BASE, BASE + 16]);
    expect(counters.cur.buddySplits).toBe(6);
    pa.freePages(a, 4);
    // A's buddy B is in use: no merge; A is listed alone at order 4.
    expect(counters.cur.buddyMerges).toBe(0);
    expect(pa.freeListPfns(4, MIGRATE_UNMOVABLE)).toEqual([BASE]);
    pa.freePages(b, 4);
    // B merges with A (4→5), then with [32] o5, [64] o6, [128] o7, [256] o8, [512] o9: 6 merges.
    expect(counters.cur.buddyMerges).toBe(6);
    expect(pa.freeListPfns(10, MIGRATE_UNMOVABLE)).toEqual([BASE]);
    expect(pa.freeListPfns(10, MIGRATE_MOVABLE)).toEqual([BASE + 1024]);
    expect(pa.nrFreeBlocks(10)).toBe(2);
    for (let o = 0; o < 10; o++) expect(pa.nrFreeBlocks(o)).toBe(0);
    expect(counters.cur.pageFrees).toBe(2);
    expect(counters.cur.pagesFreed).toBe(32);
  });

  it("a freed block comes back first: the merged block is reused by the next allocation", () => {
    const { pa } = small();
    const a = pa.allocPages(GFP_KERNEL, 6);
    pa.freePages(a, 6);
    expect(pa.allocPages(GFP_KERNEL, 6)).toBe(a);
  });

  it("an order-10 free goes through split_large_buddy per pageblock and merges back", () => {
    const { pa, counters } = small();
    const a = pa.allocPages(GFP_KERNEL, 10);
    expect(a).toBe(BASE);
    expect(counters.cur.buddySplits).toBe(0);
    pa.freePages(a, 10);
    // Two order-9 halves freed one after the other; the second merges with the first: 1 merge.
    expect(counters.cur.buddyMerges).toBe(1);
    expect(pa.nrFreeBlocks(10)).toBe(2);
  });

  it("a small fallback block claims its whole pageblock (move_freepages_block) or is taken alone", () => {
    const { pa, counters } = small();
    // Fill memory with four movable order-9 blocks: 0, 512, 1024, 1536.
    const blocks = [0, 1, 2, 3].map(() => pa.allocPages(GFP_HIGHUSER_MOVABLE, 9));
    expect(blocks).toEqual([BASE, BASE + 512, BASE + 1024, BASE + 1536]);
    // Give back the first 4 pages of pageblock 0 as one order-2 block (via the pcp list, drained).
    pa.freePages(BASE, 2);
    pa.drainAllPages();
    expect(pa.freeListPfns(2, MIGRATE_MOVABLE)).toEqual([BASE]);
    const splits = counters.cur.buddySplits;
    // Unmovable order 0: no unmovable block; the only fallback is the movable o2 block. An
    // unmovable request may steal; the pageblock has 4 free + (512 − 4) alike (used, non-movable)
    // pages ≥ 256, so the whole pageblock is retyped and the block split 2→1→0: 2 splits.
    expect(pa.allocPages(GFP_KERNEL, 0)).toBe(BASE);
    expect(pa.pageblockMigratetype(BASE)).toBe(MIGRATE_UNMOVABLE);
    expect(pa.pageblockMigratetype(BASE + 512)).toBe(MIGRATE_MOVABLE);
    expect(counters.cur.buddySplits - splits).toBe(2);
    expect(pa.freeListPfns(0, MIGRATE_UNMOVABLE)).toEqual([BASE + 1]);
    expect(pa.freeListPfns(1, MIGRATE_UNMOVABLE)).toEqual([BASE + 2]);
    // Movable order 0: no movable block left. A movable request may not claim a block below
    // order 4.5, so find_smallest takes unmovable blocks one by one, leaving the pageblock type.
    // The pcp refill asks for 2 pages (alloc_factor became 1 at the previous order-0 refill:
    // batch 1 << 1): the o0 block [1], then the o1 block [2] split once → 3 splits in all.
    expect(pa.allocPages(GFP_HIGHUSER_MOVABLE, 0)).toBe(BASE + 1);
    expect(pa.pageblockMigratetype(BASE)).toBe(MIGRATE_UNMOVABLE);
    expect(counters.cur.buddySplits - splits).toBe(3);
    expect(pa.pcpListPfns(0, 0, MIGRATE_MOVABLE)).toEqual([BASE + 2]);
    expect(pa.freeListPfns(0, MIGRATE_UNMOVABLE)).toEqual([BASE + 3]);
  });

  it("out of memory returns -1 after draining the per-CPU lists", () => {
    const { pa, counters } = small();
    expect(pa.allocPages(GFP_KERNEL, 10)).toBe(BASE);
    expect(pa.allocPages(GFP_KERNEL, 10)).toBe(BASE + 1024);
    expect(pa.allocPages(GFP_KERNEL, 0)).toBe(-1);
    // MAX_PAGE_ORDER is 10: order 11 is refused like the kernel's NULL return.
    expect(pa.allocPages(GFP_KERNEL, 11)).toBe(-1);
    expect(counters.cur.pageAllocFailures).toBe(2);
  });
});

describe("compound pages (__GFP_COMP, prep_compound_page)", () => {
  it("sets PG_head and the order on the head, PageTail on the rest", () => {
    const { pa } = small();
    const head = pa.allocPages(GFP_KERNEL | __GFP_COMP, 3);
    expect(pa.compoundOrder(head)).toBe(3);
    expect(pa.compoundHead(head + 5)).toBe(head);
    expect(pa.pages.pageTail(head + 7)).toBe(true);
    expect(pa.compoundOrder(head + 5)).toBe(0);
    expect(() => pa.freePages(head + 4, 2)).toThrow(/tail page/);
    expect(() => pa.freePages(head, 2)).toThrow(/does not match compound order 3/);
    pa.freePages(head, 3);
    expect(pa.pages.pageTail(head + 7)).toBe(false);
    expect(pa.compoundOrder(head)).toBe(0);
  });

  it("without __GFP_COMP a high-order block is not compound", () => {
    const { pa } = small();
    const p = pa.allocPages(GFP_KERNEL, 3);
    expect(pa.compoundOrder(p)).toBe(0);
    expect(pa.compoundHead(p + 1)).toBe(p + 1);
  });
});

describe("free checks", () => {
  it("double free, misaligned and out-of-range frees throw naming the problem", () => {
    const { pa } = small();
    const p = pa.allocPages(GFP_KERNEL, 4);
    pa.freePages(p, 4);
    expect(() => pa.freePages(p, 4)).toThrow(/already free/);
    expect(() => pa.freePages(BASE + 1, 1)).toThrow(/not aligned to order 1/);
    expect(() => pa.freePages(BASE + 2048, 0)).toThrow(/pfn must be an integer/);
    expect(() => pa.freePages(BASE, 11)).toThrow(/order must be an integer in \[0, 10\]/);
    const q = pa.allocPages(GFP_KERNEL, 0);
    pa.freePages(q, 0);
    // Order 0 frees go to the per-CPU list; a second free is still caught.
    expect(() => pa.freePages(q, 0)).toThrow(/already free/);
  });
});

describe("free_pages_prepare page state", () => {
  it("clears PAGE_FLAGS_CHECK_AT_PREP and slab ownership on every page, keeps PG_hwpoison", () => {
    const { pa } = small();
    const p = pa.allocPages(GFP_KERNEL, 1);
    pa.pages.setFlag(p + 1, PG_mte_tagged);
    pa.pages.setFlag(p, PG_hwpoison);
    pa.pages.setSlabCacheId(p + 1, 7);
    pa.freePages(p, 1);
    expect(pa.pages.testFlag(p + 1, PG_mte_tagged)).toBe(false);
    expect(pa.pages.testFlag(p, PG_hwpoison)).toBe(true);
    expect(pa.pages.slabCacheId(p + 1)).toBe(-1);
  });

  it("refuses to free a page that still has a page type", () => {
    const { pa } = small();
    const p = pa.allocPages(GFP_KERNEL, 0);
    pa.pages.setPageType(p, PGTY_slab);
    expect(() => pa.freePages(p, 0)).toThrow(/still has page type 0xf5/);
  });

  it("reports mm_page_alloc / mm_page_free to an attached tracer", () => {
    const { pa } = small();
    const events: string[] = [];
    pa.tracer = {
      mmPageAlloc: (pfn, order, gfp, mt) => events.push(`alloc ${pfn.toString(16)} ${order} ${gfp.toString(16)} ${mt}`),
      mmPageFree: (pfn, order) => events.push(`free ${pfn.toString(16)} ${order}`),
    };
    const p = pa.allocPages(GFP_HIGHUSER_MOVABLE, 2);
    pa.freePages(p, 2);
    // mode "off": SKIP_KASAN is not a bit of this build, so the traced mask is 0x100cca.
    expect(events).toEqual([`alloc 40000 2 100cca 1`, `free 40000 2`]);
  });
});

describe("buddy invariants (property)", () => {
  it("live blocks never overlap, counts add up, and freeing everything restores the order-10 blocks", () => {
    fc.assert(
      fc.property(fc.integer(), fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 10 }), fc.boolean(), fc.nat(1)), { maxLength: 120 }), (seed, ops) => {
        const { pa, ctx } = small(16 << 20, 2);
        const rng = new Prng(seed);
        const live: [number, number][] = [];
        const owner = new Int8Array(4096);
        for (const [isAlloc, order, movable, cpu] of ops) {
          ctx.cpu = cpu;
          if (isAlloc || live.length === 0) {
            const pfn = pa.allocPages(movable ? GFP_HIGHUSER_MOVABLE : GFP_KERNEL, order);
            if (pfn < 0) continue;
            if (pfn % 2 ** order !== 0) return false;
            for (let k = 0; k < 2 ** order; k++) {
              if (owner[pfn - BASE + k] !== 0) return false;
              owner[pfn - BASE + k] = 1;
            }
            live.push([pfn, order]);
          } else {
            const [pfn, o] = live.splice(rng.nextInt(live.length), 1)[0];
            owner.fill(0, pfn - BASE, pfn - BASE + 2 ** o);
            pa.freePages(pfn, o);
          }
          const used = live.reduce((s, [, o]) => s + 2 ** o, 0);
          if (pa.freePagesCount() + used !== 4096) return false;
        }
        for (const [pfn, o] of live) pa.freePages(pfn, o);
        pa.drainAllPages();
        return pa.nrFreeBlocks(10) === 4 && pa.nrFreePages === 4096 && pa.pcpCount(0) === 0 && pa.pcpCount(1) === 0;
      }),
      { numRuns: 150 },
    );
  });
});
