import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { ptrTag } from "../../arch/pointer.js";
import { roundUp } from "../constants.js";
import { fakeCache, kptr, makeTestKasan, TEST_OFF, TEST_PFN } from "../testing/fakes.js";
import { GFP_KERNEL } from "../../mm/gfp.js";


/** kmalloc(size) from kmalloc-256, then one access of n bytes at offset `at`. */
function accessAfterKmalloc(mode: "generic" | "sw_tags", size: number, at: number, n: number): boolean {
  const t = makeTestKasan(mode, "kasan_multi_shot");
  const cache = fakeCache({ objectSize: 256, size: mode === "generic" ? 384 : 256 });
  t.describer.addSlab(cache, TEST_PFN, 0);
  t.kasan.hooks.poisonSlab(TEST_PFN, 0);
  const p = t.kasan.hooks.slabAlloc(cache, t.kasan.hooks.initSlabObj(cache, kptr(TEST_OFF)), GFP_KERNEL, false);
  t.kasan.hooks.kmalloc(cache, p, size, GFP_KERNEL);
  return t.kasan.access.read(p + at, n);
}

describe("kasan_kmalloc precision (invariant: Generic byte-precise, tag modes granule-precise)", () => {
  it("Generic: an access is good iff it lies within the requested size", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 256 }), fc.integer({ min: 0, max: 300 }), fc.integer({ min: 1, max: 32 }), (size, at, n) => {
        expect(accessAfterKmalloc("generic", size, at, n)).toBe(at + n <= size);
      }),
      { numRuns: 200 },
    );
  });

  it("SW_TAGS: an access is good iff it lies within round_up(size, 16) (next object not involved)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 256 }), fc.integer({ min: 0, max: 240 }), fc.integer({ min: 1, max: 16 }), (size, at, n) => {
        expect(accessAfterKmalloc("sw_tags", size, at, n)).toBe(at + n <= roundUp(size, 16));
      }),
      { numRuns: 200 },
    );
  });
});

describe("kasan_krealloc (in place)", () => {
  it("SW_TAGS keeps the pointer tag and moves the fe boundary", () => {
    const t = makeTestKasan("sw_tags", "kasan_multi_shot");
    const cache = fakeCache({ objectSize: 128, size: 128 });
    t.kasan.hooks.poisonSlab(TEST_PFN, 0);
    const p = t.kasan.hooks.slabAlloc(cache, kptr(TEST_OFF), GFP_KERNEL, false);
    t.kasan.hooks.kmalloc(cache, p, 40, GFP_KERNEL);
    expect(t.kasan.access.read(p + 48, 1)).toBe(false);
    const q = t.kasan.hooks.krealloc(cache, p, 100, GFP_KERNEL);
    expect(q).toBe(p);
    expect(ptrTag(q)).toBe(ptrTag(p));
    expect(t.kasan.access.read(q + 100, 12)).toBe(true); // round_up(100, 16) = 112
    expect(t.kasan.access.read(q + 112, 1)).toBe(false);
  });
});

describe("kasan_check_byte (ksize, krealloc, kmem_cache_destroy)", () => {
  it("reports a 1-byte read and returns false for a freed object", () => {
    const t = makeTestKasan("generic", "kasan_multi_shot");
    const cache = fakeCache({ objectSize: 64, size: 96 });
    t.describer.addSlab(cache, TEST_PFN, 0);
    t.kasan.hooks.poisonSlab(TEST_PFN, 0);
    const p = t.kasan.hooks.slabAlloc(cache, kptr(TEST_OFF), GFP_KERNEL, false);
    expect(t.kasan.hooks.checkByte(p, 0)).toBe(true);
    t.kasan.hooks.slabFree(cache, p, false, false);
    expect(t.kasan.hooks.checkByte(p, 0xabc)).toBe(false);
    expect(t.kasan.reports.events[0]).toMatchObject({ bugType: "slab-use-after-free", accessSize: 1, isWrite: false, ip: 0xabc });
  });
});

describe("kasan_poison / kasan_unpoison argument checks", () => {
  it("a misaligned poison is a WARN and changes nothing", () => {
    const t = makeTestKasan("generic");
    t.kasan.backend!.poison(kptr(TEST_OFF + 3), 8, 0xfc, false);
    t.kasan.backend!.poison(kptr(TEST_OFF), 5, 0xfc, false);
    expect(t.kasan.warnings.length).toBe(2);
    expect(t.counters.cur.kasanWarnings).toBe(2);
    expect(t.counters.cur.shadowBytesWritten).toBe(0);
  });
});
