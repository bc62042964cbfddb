/**
 * HW_TAGS page_alloc rows of kasan-facts §11b.4, through the real page allocator
 * (post_alloc_hook → kasan_unpoison_pages, free_pages_prepare → kasan_poison_pages) on the MTE
 * model. Instruction counts follow mte_set_mem_tag_range with the 64-byte DC G(Z)VA block:
 * for a page-aligned range of S ≥ 128 bytes the first loop STGs the first block's 4 granules
 * (it runs until curr ≥ addr|63), then one DC per block up to S & ~63, then no tail — so
 * 4096 bytes = STG 4 + DC 63, and 8192 bytes = STG 4 + DC 127.
 */
import { describe, expect, it } from "vitest";
import { ptrTag } from "../../arch/pointer.js";
import { GFP_HIGHUSER_MOVABLE, GFP_KERNEL, __GFP_SKIP_KASAN, __GFP_ZERO, __GFP_ZEROTAGS } from "../../mm/gfp.js";
import { pfnToOffset } from "../../mm/memory-layout.js";
import { granuleTags, makeHwTagsEnv, tagInsns } from "./test-env.js";

const PAGE = 4096;
const GRANULES_PER_PAGE = 256;

function isRandomHwTag(t: number): boolean {
  // IRG with GCR_EL1 excluding 0xE and 0xF: KASAN tags 0xF0..0xFD.
  return t >= 0xf0 && t <= 0xfd;
}

describe("alloc_pages under HW_TAGS (post_alloc_hook → kasan_unpoison_pages)", () => {
  it("normal: one IRG tag T on every granule and on the page; STG 4 + DC GVA 63", () => {
    const { pa, pages, mte, counters } = makeHwTagsEnv();
    const pfn = pa.allocPages(GFP_KERNEL, 0);
    const t = pages.kasanTag(pfn);
    expect(isRandomHwTag(t)).toBe(true);
    expect(new Set(granuleTags(mte, pfnToOffset(pfn), PAGE))).toEqual(new Set([t]));
    expect(ptrTag(pa.pageAddress(pfn))).toBe(t);
    // No init requested: tags only, nothing zeroed.
    expect(tagInsns(counters)).toEqual({ irg: 1, stg: 4, stzg: 0, dcGva: 63, dcGzva: 0, granulesTagged: GRANULES_PER_PAGE, bytesZeroed: 0 });
  });

  it("order 1: both pages share the tag; STG 4 + DC GVA (8192/64 − 1) = 127", () => {
    const { pa, pages, mte, counters } = makeHwTagsEnv();
    const pfn = pa.allocPages(GFP_KERNEL, 1);
    const t = pages.kasanTag(pfn);
    expect(pages.kasanTag(pfn + 1)).toBe(t);
    expect(new Set(granuleTags(mte, pfnToOffset(pfn), 2 * PAGE))).toEqual(new Set([t]));
    expect(tagInsns(counters)).toMatchObject({ irg: 1, stg: 4, dcGva: 127, granulesTagged: 512 });
  });

  it("__GFP_ZERO: integrated init — STZG 4 + DC GZVA 63 zero the page once, no kernel_init_pages", () => {
    const { pa, counters } = makeHwTagsEnv();
    pa.allocPages(GFP_KERNEL | __GFP_ZERO, 0);
    expect(tagInsns(counters)).toEqual({ irg: 1, stg: 0, stzg: 4, dcGva: 0, dcGzva: 63, granulesTagged: GRANULES_PER_PAGE, bytesZeroed: PAGE });
    expect(counters.cur.bytesZeroedByTagging).toBe(PAGE);
    expect(counters.cur.kernelInitPages).toBe(0);
  });

  it("__GFP_SKIP_KASAN: no tags written, page tag 0xFF, no IRG", () => {
    const { pa, pages, mte, counters } = makeHwTagsEnv();
    const pfn = pa.allocPages(GFP_KERNEL | __GFP_SKIP_KASAN, 0);
    expect(pages.kasanTag(pfn)).toBe(0xff);
    // Boot memory was never tagged: LDG reads logical 0 (0xF0).
    expect(new Set(granuleTags(mte, pfnToOffset(pfn), PAGE))).toEqual(new Set([0xf0]));
    expect(tagInsns(counters)).toEqual({ irg: 0, stg: 0, stzg: 0, dcGva: 0, dcGzva: 0, granulesTagged: 0, bytesZeroed: 0 });
    expect(counters.cur.kasanSkippedUnpoison).toBe(1);
  });

  it("__GFP_SKIP_KASAN | __GFP_ZERO: kernel_init_pages zeroes, KASAN tags nothing", () => {
    const { pa, counters } = makeHwTagsEnv();
    pa.allocPages(GFP_KERNEL | __GFP_SKIP_KASAN | __GFP_ZERO, 0);
    expect(counters.cur.kernelInitPages).toBe(1);
    expect(tagInsns(counters)).toMatchObject({ irg: 0, granulesTagged: 0, bytesZeroed: PAGE });
  });

  it("__GFP_ZEROTAGS + init: tag_clear_highpage (DC GZVA 64), then KASAN tags with init off", () => {
    const { pa, pages, mte, counters } = makeHwTagsEnv();
    const pfn = pa.allocPages(GFP_KERNEL | __GFP_ZERO | __GFP_ZEROTAGS, 0);
    const t = pages.kasanTag(pfn);
    expect(isRandomHwTag(t)).toBe(true);
    expect(new Set(granuleTags(mte, pfnToOffset(pfn), PAGE))).toEqual(new Set([t]));
    // tag_clear_highpage: 4096/64 = 64 DC GZVA (zero + tags 0); kasan_unpoison_pages(init=false):
    // STG 4 + DC GVA 63. Zeroed once: 4096 bytes.
    expect(tagInsns(counters)).toEqual({ irg: 1, stg: 4, stzg: 0, dcGva: 63, dcGzva: 64, granulesTagged: 2 * GRANULES_PER_PAGE, bytesZeroed: PAGE });
    expect(counters.cur.tagClearHighpage).toBe(1);
  });

  it("user page (GFP_HIGHUSER_MOVABLE | __GFP_ZERO | __GFP_ZEROTAGS): tags cleared to 0, page tag 0xFF", () => {
    const { pa, pages, mte, counters } = makeHwTagsEnv();
    mte.storage.fillTags(0, 8 << 20, 0x9); // make the clearing visible
    const pfn = pa.allocPages(GFP_HIGHUSER_MOVABLE | __GFP_ZERO | __GFP_ZEROTAGS, 0);
    expect(pages.kasanTag(pfn)).toBe(0xff);
    expect(new Set(granuleTags(mte, pfnToOffset(pfn), PAGE))).toEqual(new Set([0xf0]));
    expect(tagInsns(counters)).toMatchObject({ irg: 0, dcGzva: 64, stg: 0, dcGva: 0, bytesZeroed: PAGE });
  });
});

describe("__free_pages under HW_TAGS (free_pages_prepare → kasan_poison_pages)", () => {
  it("page tag ≠ 0xFF: every granule ← 0xFE (STG 4 + DC GVA 63); the page tag itself is kept", () => {
    const { pa, pages, mte, counters } = makeHwTagsEnv();
    const pfn = pa.allocPages(GFP_KERNEL, 0);
    const t = pages.kasanTag(pfn);
    const before = tagInsns(counters);
    pa.freePages(pfn, 0);
    expect(new Set(granuleTags(mte, pfnToOffset(pfn), PAGE))).toEqual(new Set([0xfe]));
    expect(pages.kasanTag(pfn)).toBe(t);
    const after = tagInsns(counters);
    expect(after.stg - before.stg).toBe(4);
    expect(after.dcGva - before.dcGva).toBe(63);
    expect(after.irg - before.irg).toBe(0);
    expect(counters.cur.kasanPoisonPages).toBe(1);
  });

  it("init_on_free=1: the poisoning zeroes too (STZG 4 + DC GZVA 63), kernel_init_pages skipped", () => {
    const { pa, counters } = makeHwTagsEnv({ cmdline: "init_on_free=1" });
    const pfn = pa.allocPages(GFP_KERNEL, 0);
    pa.freePages(pfn, 0);
    // The allocation did not zero (init_on_free moves zeroing to the free side).
    expect(tagInsns(counters)).toMatchObject({ stg: 4, dcGva: 63, stzg: 4, dcGzva: 63, bytesZeroed: PAGE });
    expect(counters.cur.kernelInitPages).toBe(0);
  });

  it("page tag 0xFF (allocated with __GFP_SKIP_KASAN): no poisoning at all", () => {
    const { pa, mte, counters } = makeHwTagsEnv();
    const pfn = pa.allocPages(GFP_KERNEL | __GFP_SKIP_KASAN, 0);
    pa.freePages(pfn, 0);
    expect(new Set(granuleTags(mte, pfnToOffset(pfn), PAGE))).toEqual(new Set([0xf0]));
    expect(counters.cur.kasanSkippedPoison).toBe(1);
    expect(counters.cur.granulesTagged).toBe(0);
  });

  it("page_alloc_uaf: the stale page_address pointer faults on the 0xFE granules", () => {
    const { pa, kasan, events } = makeHwTagsEnv({ cmdline: "kasan_multi_shot" });
    pa.allocPages(GFP_KERNEL, 0); // keep the block off linear offset 0
    const pfn = pa.allocPages(GFP_KERNEL, 4);
    const p = pa.pageAddress(pfn);
    expect(kasan.access.read(p + 65535, 1)).toBe(true);
    pa.freePages(pfn, 4);
    expect(kasan.access.read(p, 1)).toBe(false);
    // Not a slab object: the tag modes call it invalid-access.
    expect(events[0]).toMatchObject({ bugType: "invalid-access", accessSize: 0, isWrite: false, pointerTag: ptrTag(p), memoryTag: 0xfe });
  });
});
