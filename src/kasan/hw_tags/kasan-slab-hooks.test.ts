/**
 * HW_TAGS slab rows of kasan-facts §11b.4 through the common hooks (kasan_poison_slab,
 * kasan_slab_alloc, kasan_kmalloc, kasan_slab_pre_free, kasan_slab_free) on the MTE model.
 * Counts follow mte_set_mem_tag_range with 64-byte DC blocks (see kasan-page-hooks.test.ts):
 *   4096 B page-aligned: STG 4 + DC 63;  128 B at a 64-aligned address: STG 4 + DC 1;
 *   16 B: STG 1 (below 2·64 bytes there is no DC loop at all).
 */
import { describe, expect, it } from "vitest";
import { ptrTag } from "../../arch/pointer.js";
import { GFP_KERNEL } from "../../mm/gfp.js";
import { untaggedPtr } from "../common/untag.js";
import { deltas, makeSlabEnv } from "./slab-env.js";
import { granuleTags } from "./test-env.js";

const INSNS = ["irg", "stg", "stzg", "dcGva", "dcGzva", "granulesTagged", "ldg", "stackRingInserts"] as const;

describe("new slab (kasan_poison_slab)", () => {
  it("page tag reset to 0xFF, every granule 0xFE: STG 4 + DC GVA 63 after the page_alloc tagging", () => {
    const { pages, pfn, mte, base, counters } = makeSlabEnv({ objectSize: 128 });
    expect(pages.kasanTag(pfn)).toBe(0xff);
    expect(new Set(granuleTags(mte, base, 4096))).toEqual(new Set([0xfe]));
    // Three order-0 page allocations (IRG + STG 4 + DC 63 each), then the slab poisoning.
    expect([counters.cur.irg, counters.cur.stg, counters.cur.dcGva]).toEqual([3, 4 * 4, 63 * 4]);
  });

  it("kfree_via_page: a pointer rebuilt from page_address() is match-all (page tag 0xFF), no report", () => {
    const { kasan, b, cache, slot, pfn, events } = makeSlabEnv({ objectSize: 8, size: 16 });
    const p = kasan.hooks.slabAlloc(cache, slot(1), GFP_KERNEL, false);
    kasan.hooks.kmalloc(cache, p, 8, GFP_KERNEL);
    expect(ptrTag(p)).not.toBe(0xff);
    // page_address(virt_to_page(ptr)) + offset_in_page(ptr): slot 1 is at offset 16.
    const viaPage = b.pageAddress(pfn) + 16;
    expect(ptrTag(viaPage)).toBe(0xff);
    expect(kasan.hooks.slabPreFree(cache, viaPage, 0)).toBe(false);
    expect(events).toHaveLength(0);
  });
});

describe("kmalloc / kmem_cache_alloc", () => {
  it("kmalloc(107) in kmalloc-128: granules 0–6 ← T, granule 7 ← 0xFE; IRG 1, STG 4+1, DC GVA 1", () => {
    const { kasan, cache, slot, mte, base, counters, afterNewSlab } = makeSlabEnv({ objectSize: 128 });
    const obj = kasan.hooks.initSlabObj(cache, slot(0));
    expect(ptrTag(obj)).toBe(0xff); // plain cache: the tag is chosen at allocation
    const p = kasan.hooks.slabAlloc(cache, obj, GFP_KERNEL, false);
    kasan.hooks.kmalloc(cache, p, 107, GFP_KERNEL);
    const t = ptrTag(p);
    expect(t >= 0xf0 && t <= 0xfd).toBe(true);
    // round_up(107, 16) = 112 = 7 granules; [112, 128) is the kmalloc redzone; next slot untouched.
    expect(granuleTags(mte, base, 144)).toEqual([...Array(7).fill(t), 0xfe, 0xfe]);
    // unpoison 128 B (STG 4 + DC 1, 8 granules) + poison 16 B (STG 1); the kmalloc cache's alloc
    // stack is saved by kasan_kmalloc: one ring entry.
    expect(deltas(counters, afterNewSlab, INSNS)).toEqual({ irg: 1, stg: 5, stzg: 0, dcGva: 1, dcGzva: 0, granulesTagged: 9, ldg: 0, stackRingInserts: 1 });
  });

  it("kzalloc(100): integrated init zeroes the 128-byte object while tagging (STZG 4 + DC GZVA 1)", () => {
    const { kasan, cache, slot, counters, afterNewSlab } = makeSlabEnv({ objectSize: 128 });
    const p = kasan.hooks.slabAlloc(cache, slot(0), GFP_KERNEL, true);
    kasan.hooks.kmalloc(cache, p, 100, GFP_KERNEL);
    // redzone [112, 128) is poisoned without init: STG 1.
    expect(deltas(counters, afterNewSlab, ["stzg", "dcGzva", "stg", "bytesZeroed"])).toEqual({ stzg: 4, dcGzva: 1, stg: 1, bytesZeroed: 128 });
  });

  it("kmem_cache_alloc(object_size 200) at slot 1: 13 granules ← T (STG 5 + DC 2), neighbours stay 0xFE", () => {
    const { kasan, cache, slot, mte, base, counters, afterNewSlab } = makeSlabEnv({ name: "test_cache", objectSize: 200, size: 208, isKmalloc: false });
    const p = kasan.hooks.slabAlloc(cache, slot(1), GFP_KERNEL, false);
    const t = ptrTag(p);
    expect(granuleTags(mte, base + 192, 16)).toEqual([0xfe]); // last granule of slot 0
    expect(new Set(granuleTags(mte, base + 208, 208))).toEqual(new Set([t]));
    expect(granuleTags(mte, base + 416, 16)).toEqual([0xfe]);
    // [208, 416): first loop STG ×3 to 256 (= 208|63 + 1), DC at 256 and 320 (end2 = 416 & ~63 = 384),
    // tail STG ×2 for [384, 416). Non-kmalloc cache: kasan_slab_alloc saves the alloc stack.
    expect(deltas(counters, afterNewSlab, INSNS)).toEqual({ irg: 1, stg: 5, stzg: 0, dcGva: 2, dcGzva: 0, granulesTagged: 13, ldg: 0, stackRingInserts: 1 });
  });
});

describe("kfree / kmem_cache_free", () => {
  it("valid kfree: LDG 1 for the double-free check, then 8 granules ← 0xFE (STG 4 + DC 1), free entry in the ring", () => {
    const { kasan, cache, slot, mte, base, counters, events } = makeSlabEnv({ objectSize: 128 });
    const p = kasan.hooks.slabAlloc(cache, slot(0), GFP_KERNEL, false);
    kasan.hooks.kmalloc(cache, p, 107, GFP_KERNEL);
    const before = { ...counters.cur };
    expect(kasan.hooks.slabPreFree(cache, p, 0x1234)).toBe(false);
    expect(kasan.hooks.slabFree(cache, p, false, false)).toBe(false); // no quarantine
    expect(new Set(granuleTags(mte, base, 128))).toEqual(new Set([0xfe]));
    expect(deltas(counters, before, INSNS)).toEqual({ irg: 0, stg: 4, stzg: 0, dcGva: 1, dcGzva: 0, granulesTagged: 8, ldg: 1, stackRingInserts: 1 });
    expect(events).toHaveLength(0);
  });

  it("kfree of a non-start pointer: invalid-free reported, nothing retagged (the object leaks)", () => {
    const { kasan, cache, slot, mte, base, counters, events } = makeSlabEnv({ objectSize: 128 });
    const p = kasan.hooks.slabAlloc(cache, slot(0), GFP_KERNEL, false);
    const t = ptrTag(p);
    const before = counters.cur.granulesTagged;
    expect(kasan.hooks.slabPreFree(cache, p + 1, 0x1234)).toBe(true);
    expect(new Set(granuleTags(mte, base, 128))).toEqual(new Set([t]));
    expect(counters.cur.granulesTagged).toBe(before);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: "invalid-free", bugType: "invalid-free", accessAddr: p + 1, ip: 0x1234 });
    expect(events[0].object).toMatchObject({ cacheName: "kmalloc-128", objectStart: untaggedPtr(base) });
  });

  it("double free: the LDG in kasan_byte_accessible sees 0xFE ≠ T → double-free", () => {
    const { kasan, cache, slot, events } = makeSlabEnv({ objectSize: 128 });
    const p = kasan.hooks.slabAlloc(cache, slot(0), GFP_KERNEL, false);
    kasan.hooks.slabPreFree(cache, p, 0);
    kasan.hooks.slabFree(cache, p, false, false);
    expect(kasan.hooks.slabPreFree(cache, p, 0x99)).toBe(true);
    expect(events[0]).toMatchObject({ type: "double-free", bugType: "double-free", accessAddr: p, pointerTag: ptrTag(p), memoryTag: 0xfe });
  });

  it("kmalloc_uaf: a read through the stale pointer is slab-use-after-free with alloc and free tracks", () => {
    const { kasan, cache, slot, events, ctx } = makeSlabEnv({ objectSize: 16 });
    const p = kasan.hooks.slabAlloc(cache, slot(3), GFP_KERNEL, false);
    kasan.hooks.kmalloc(cache, p, 10, GFP_KERNEL);
    ctx.pid = 77; // the freeing task
    kasan.hooks.slabFree(cache, p, false, false);
    expect(kasan.access.read(p + 8, 1, 0x40)).toBe(false);
    expect(events[0]).toMatchObject({ type: "access", bugType: "slab-use-after-free", accessSize: 0, isWrite: false, pointerTag: ptrTag(p), memoryTag: 0xfe });
    expect(events[0].object).toMatchObject({ allocTrack: { pid: 42, stack: 0 }, freeTrack: { pid: 77, stack: 0 }, allocSize: 16 });
    // kasan_get_alloc_size() stops at granule 0 (0xFE) and returns 0 → object_size 16 is used.
  });

  it("init_on_free kfree: the poisoning zeroes (STZG 4 + DC GZVA 1)", () => {
    const { kasan, cache, slot, counters } = makeSlabEnv({ objectSize: 128 });
    const p = kasan.hooks.slabAlloc(cache, slot(0), GFP_KERNEL, false);
    const before = { ...counters.cur };
    kasan.hooks.slabFree(cache, p, true, false);
    expect(deltas(counters, before, ["stzg", "dcGzva", "stg", "dcGva", "bytesZeroed"])).toEqual({ stzg: 4, dcGzva: 1, stg: 0, dcGva: 0, bytesZeroed: 128 });
  });
});
