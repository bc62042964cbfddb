import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { makePtr, ptrTag, TAG_KERNEL, USER_BASE, VMALLOC_BASE } from "../../arch/pointer.js";
import { Counters } from "../../cost/counters.js";
import { Prng } from "../../lib/prng.js";
import { KASAN_VMALLOC_PROT_NORMAL, KASAN_VMALLOC_VM_ALLOC } from "../../mm/kasan-hooks.js";
import { PAGE_SIZE } from "../../mm/memory-layout.js";
import { fakeCache, kptr, makeTestKasan, TEST_OFF, TEST_PFN } from "../testing/fakes.js";
import { SwTagsLcg } from "./lcg.js";
import type { SwTagsBackend } from "./sw-tags-backend.js";
import { GFP_KERNEL } from "../../mm/gfp.js";


describe("SW_TAGS kasan_random_tag: per-CPU LCG", () => {
  it("from state 0 the first tags are 0xe7, 0x04, 0xa5", () => {
    const counters = new Counters();
    const lcg = new SwTagsLcg(2, new Prng(7), counters);
    lcg.seed(0, 0);
    // state1 = 1664525·0 + 1013904223 = 1013904223 = 254·3991748 + 231 → 0xe7.
    expect(lcg.next(0)).toBe(0xe7);
    // state2 = 1664525·1013904223 + 1013904223 = 1687669940693298 = 392941·2^32 + 1196435762,
    //          1196435762 = 254·4710377 + 4 → 0x04.
    expect(lcg.stateOf(0)).toBe(1013904223);
    expect(lcg.next(0)).toBe(0x04);
    expect(lcg.stateOf(0)).toBe(1196435762);
    // state3 = (1664525·1196435762 + 1013904223) mod 2^32 = 3519870697 = 254·13857758 + 165 → 0xa5.
    expect(lcg.next(0)).toBe(0xa5);
    expect(counters.cur.lcgTags).toBe(3);
  });

  it("every tag is the next LCG state mod 254, for any state (exact past 2^31)", () => {
    const lcg = new SwTagsLcg(1, new Prng(1), new Counters());
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (s) => {
        lcg.seed(0, s);
        // Reference in BigInt: state' = (1664525·s + 1013904223) mod 2^32, tag = state' mod 254.
        const next = (1664525n * BigInt(s) + 1013904223n) % 2n ** 32n;
        expect(lcg.next(0)).toBe(Number(next % 254n));
        expect(lcg.stateOf(0)).toBe(Number(next));
      }),
    );
  });

  it("CPUs have independent states, and tags never reach 0xfe/0xff", () => {
    const lcg = new SwTagsLcg(2, new Prng(1), new Counters());
    lcg.seed(0, 0);
    lcg.seed(1, 1);
    // CPU 1: 1664525 + 1013904223 = 1015568748 = 254·3998302 + 40.
    expect(lcg.next(1)).toBe(40);
    expect(lcg.next(0)).toBe(0xe7);
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xffffffff }), (s) => {
      lcg.seed(0, s);
      expect(lcg.next(0)).toBeLessThanOrEqual(0xfd);
    }));
  });
});

function setup(cmdline = "kasan_multi_shot") {
  const t = makeTestKasan("sw_tags", cmdline);
  const b = t.kasan.backend as SwTagsBackend;
  b.lcg.seed(0, 0); // tags drawn on CPU 0: 0xe7, 0x04, 0xa5, …
  return { ...t, b };
}

describe("SW_TAGS page hooks", () => {
  it("boot memory reads KASAN_SHADOW_INIT; unpoison_pages tags shadow and page; poison_pages writes fe", () => {
    const { kasan, b, pageTags, counters } = setup();
    expect(b.shadow.get(TEST_OFF)).toBe(0xfe);
    expect(kasan.hooks.unpoisonPages(TEST_PFN, 1, false)).toBe(true);
    // One tag (0xe7) for the 8 KiB block: 8192 / 16 = 512 shadow bytes, both page tags set.
    expect(b.shadow.findNotEqual(TEST_OFF, TEST_OFF + 8192, 0xe7)).toBe(-1);
    expect(counters.cur.shadowBytesWritten).toBe(512);
    expect([pageTags.kasanTag(TEST_PFN), pageTags.kasanTag(TEST_PFN + 1)]).toEqual([0xe7, 0xe7]);
    const p = b.pageAddress(TEST_PFN);
    expect(ptrTag(p)).toBe(0xe7);
    expect(kasan.access.read(p + 8190, 2)).toBe(true);
    kasan.hooks.poisonPages(TEST_PFN, 1, false);
    expect(b.shadow.findNotEqual(TEST_OFF, TEST_OFF + 8192, 0xfe)).toBe(-1);
    expect(kasan.access.read(p, 1)).toBe(false);
    expect(kasan.reports.events[0]).toMatchObject({ bugType: "invalid-access", pointerTag: 0xe7, memoryTag: 0xfe });
  });
});

describe("SW_TAGS slab objects", () => {
  function slab() {
    const t = setup();
    const cache = fakeCache({ objectSize: 128, size: 128 });
    t.describer.addSlab(cache, TEST_PFN, 0);
    t.pageTags.setKasanTag(TEST_PFN, 0x33);
    t.kasan.hooks.poisonSlab(TEST_PFN, 0);
    return { ...t, cache };
  }

  it("kasan_poison_slab resets the page tag to 0xff and tags the slab fe", () => {
    const { b, pageTags } = slab();
    expect(pageTags.kasanTag(TEST_PFN)).toBe(TAG_KERNEL);
    expect(b.shadow.findNotEqual(TEST_OFF, TEST_OFF + PAGE_SIZE, 0xfe)).toBe(-1);
  });

  it("kmalloc(100): 7 granules get the random tag, granule 7 stays fe; no byte precision", () => {
    const { kasan, b, cache } = slab();
    const obj = kasan.hooks.initSlabObj(cache, kptr(TEST_OFF));
    expect(ptrTag(obj)).toBe(0xff); // plain cache: tag assigned at allocation
    const p = kasan.hooks.slabAlloc(cache, obj, GFP_KERNEL, false);
    expect(ptrTag(p)).toBe(0xe7);
    kasan.hooks.kmalloc(cache, p, 100, GFP_KERNEL);
    // round_up(100, 16) = 112 → granules 0..6 = e7; [112, 128) = fe.
    const tags = Array.from({ length: 9 }, (_, i) => b.shadow.get(TEST_OFF + 16 * i));
    expect(tags).toEqual([...Array(7).fill(0xe7), 0xfe, 0xfe]);
    expect(kasan.access.read(p + 100, 12)).toBe(true); // slack of the last granule: undetected
    expect(kasan.access.write(p + 112, 1)).toBe(false);
    const e = kasan.reports.events[0];
    // The ring's newest entry for (object, tag e7, size 128) is the kmalloc alloc.
    expect(e).toMatchObject({ bugType: "slab-out-of-bounds", pointerTag: 0xe7, memoryTag: 0xfe, firstBadAddr: kptr(TEST_OFF + 112) });
    expect(e.object).toMatchObject({ allocSize: 112, allocTrack: { pid: 42, stack: 0 } });
  });

  it("use after free and after reuse: the newest ring entry with the stale tag is the free", () => {
    const { kasan, cache, b } = slab();
    const p1 = kasan.hooks.slabAlloc(cache, kptr(TEST_OFF), GFP_KERNEL, false); // tag e7
    kasan.hooks.kmalloc(cache, p1, 128, GFP_KERNEL);
    expect(kasan.hooks.slabFree(cache, p1, false, false)).toBe(false); // no quarantine
    expect(b.shadow.get(TEST_OFF)).toBe(0xfe);
    const p2 = kasan.hooks.slabAlloc(cache, kptr(TEST_OFF), GFP_KERNEL, false); // tag 04
    expect(ptrTag(p2)).toBe(0x04);
    expect(kasan.access.read(p1, 8)).toBe(false);
    expect(kasan.reports.events[0]).toMatchObject({ bugType: "slab-use-after-free", pointerTag: 0xe7, memoryTag: 0x04 });
    expect(kasan.reports.events[0].object?.freeTrack).toEqual({ pid: 42, stack: 0 });
    expect(kasan.access.read(p2, 8)).toBe(true);
  });

  it("double free is caught by the tag check in kasan_slab_pre_free", () => {
    const { kasan, cache } = slab();
    const p = kasan.hooks.slabAlloc(cache, kptr(TEST_OFF), GFP_KERNEL, false);
    kasan.hooks.slabFree(cache, p, false, false);
    expect(kasan.hooks.slabPreFree(cache, p, 0)).toBe(true);
    expect(kasan.reports.events[0]).toMatchObject({ type: "double-free", bugType: "double-free" });
  });

  it("caches with a constructor preassign a random tag and keep it at every allocation", () => {
    const { kasan, cache } = slab();
    const ctorCache = { ...cache, name: "ctor", hasCtor: true, isKmalloc: false };
    const obj = kasan.hooks.initSlabObj(ctorCache, kptr(TEST_OFF));
    expect(ptrTag(obj)).toBe(0xe7);
    expect(ptrTag(kasan.hooks.slabAlloc(ctorCache, obj, GFP_KERNEL, false))).toBe(0xe7);
    expect(ptrTag(kasan.hooks.slabAlloc(ctorCache, obj, GFP_KERNEL, false))).toBe(0xe7);
  });

  it("kasan.stacktrace=off: no ring, a stale-tag access is invalid-access", () => {
    const t = makeTestKasan("sw_tags", "kasan_multi_shot kasan.stacktrace=off");
    const b = t.kasan.backend as SwTagsBackend;
    expect(b.stackRing).toBeUndefined();
    const cache = fakeCache({ objectSize: 64, size: 64 });
    t.describer.addSlab(cache, TEST_PFN, 0);
    t.kasan.hooks.poisonSlab(TEST_PFN, 0);
    const p = t.kasan.hooks.slabAlloc(cache, kptr(TEST_OFF), GFP_KERNEL, false);
    t.kasan.hooks.slabFree(cache, p, false, false);
    t.kasan.access.read(p, 1);
    expect(t.kasan.reports.events[0].bugType).toBe("invalid-access");
    expect(t.counters.cur.stackRingInserts).toBe(0);
  });
});

describe("SW_TAGS kasan_check_range", () => {
  it("a match-all (0xff) pointer never faults, whatever the memory tags", () => {
    const { kasan, b } = setup();
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4095 }), fc.integer({ min: 1, max: 256 }), fc.integer({ min: 0, max: 0xff }), (at, size, memTag) => {
        b.shadow.fill(TEST_OFF, 8192, memTag);
        expect(kasan.access.read(kptr(TEST_OFF + at), size)).toBe(true);
      }),
    );
    expect(kasan.reports.count).toBe(0);
  });

  it("addr + size wrapping is out-of-bounds even for a match-all pointer", () => {
    const { kasan } = setup();
    expect(kasan.access.memmove(kptr(TEST_OFF), kptr(TEST_OFF + 16), -2)).toBe(false);
    expect(kasan.reports.events[0]).toMatchObject({ bugType: "out-of-bounds", accessSize: -2 });
  });

  it("every granule touched must carry the pointer tag", () => {
    const { kasan, b } = setup();
    b.shadow.fill(TEST_OFF, 64, 0x2a);
    const p = makePtr(0x2a, TEST_OFF);
    expect(kasan.access.read(p, 64)).toBe(true);
    expect(kasan.access.read(p + 60, 8)).toBe(false); // crosses into granule 4 (fe)
    // kasan_find_first_bad_addr steps by 16 from addr: 60 (granule 3, 2a) then 76 (granule 4, fe).
    expect(kasan.reports.events[0].firstBadAddr).toBe(kptr(TEST_OFF + 76));
  });

  it("a tagged pointer outside the kernel half is reported without metadata", () => {
    const { kasan } = setup();
    expect(kasan.access.read(makePtr(0x2a, USER_BASE + 0x1000), 4)).toBe(false);
    expect(kasan.reports.events[0]).toMatchObject({ bugType: "invalid-access", hasMetadata: false });
    expect(kasan.reports.events[0].pointerTag).toBeUndefined();
  });
});

describe("SW_TAGS vmalloc", () => {
  it("executable mappings stay untagged; PAGE_KERNEL ones get a random tag", () => {
    const { kasan, b } = setup();
    const start = kptr(VMALLOC_BASE + 0x20_0000);
    kasan.hooks.populateVmalloc(start, PAGE_SIZE);
    expect(kasan.hooks.unpoisonVmalloc(start, 100, KASAN_VMALLOC_VM_ALLOC, [])).toBe(start);
    expect(b.shadow.get(VMALLOC_BASE + 0x20_0000)).toBe(0xfe);
    const p = kasan.hooks.unpoisonVmalloc(start, 100, KASAN_VMALLOC_VM_ALLOC | KASAN_VMALLOC_PROT_NORMAL, []);
    expect(ptrTag(p)).toBe(0xe7);
    // round_up(100, 16) = 112 bytes → 7 granules e7, then fe.
    expect(Array.from({ length: 8 }, (_, i) => b.shadow.get(VMALLOC_BASE + 0x20_0000 + 16 * i))).toEqual([...Array(7).fill(0xe7), 0xfe]);
    kasan.hooks.poisonVmalloc(p, 100);
    expect(b.shadow.get(VMALLOC_BASE + 0x20_0000)).toBe(0xfe);
  });
});
