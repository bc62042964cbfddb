import { describe, expect, it } from "vitest";
import { type KasanCacheCreateArgs, KASAN_NO_FREE_META } from "../../mm/kasan-hooks.js";
import { PAGE_SIZE } from "../../mm/memory-layout.js";
import { VMALLOC_BASE, makePtr, TAG_KERNEL, userPtr } from "../../arch/pointer.js";
import { KASAN_VMALLOC_PROT_NORMAL, KASAN_VMALLOC_VM_ALLOC } from "../../mm/kasan-hooks.js";
import { SLAB_KASAN, SLAB_NO_MERGE, SLAB_TYPESAFE_BY_RCU } from "../../mm/slab/flags.js";
import { fakeCache, kptr, makeTestKasan, TEST_OFF, TEST_PFN } from "../testing/fakes.js";
import type { GenericBackend } from "./generic-backend.js";
import { GFP_KERNEL } from "../../mm/gfp.js";


function shadowBytes(g: GenericBackend, off: number, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(g.shadow.get(off + i * 8));
  return out;
}

function createArgs(objectSize: number, flags = 0, hasCtor = false): KasanCacheCreateArgs {
  return { objectSize, size: objectSize, flags, hasCtor, info: { allocMetaOffset: 0, freeMetaOffset: 0 } };
}

describe("Generic kasan_cache_create: metadata placement and optimal redzone", () => {
  const { kasan } = makeTestKasan("generic");
  it("kmalloc-128: alloc meta at 128, free meta in the object, stride 128 + 64", () => {
    const a = createArgs(128);
    kasan.hooks.cacheCreate(a);
    // 128 + 16 (alloc meta) = 144 < 128 + optimal_redzone(128) = 128 + 64 = 192.
    expect(a.size).toBe(192);
    expect(a.info).toEqual({ allocMetaOffset: 128, freeMetaOffset: 0 });
    expect(a.flags & (SLAB_KASAN | SLAB_NO_MERGE)).toBe(SLAB_KASAN | SLAB_NO_MERGE);
  });

  it("kmalloc-16: 16 + 16 meta = 32 = 16 + optimal_redzone(16)", () => {
    const a = createArgs(16);
    kasan.hooks.cacheCreate(a);
    expect(a.size).toBe(32);
    expect(a.info).toEqual({ allocMetaOffset: 16, freeMetaOffset: 0 });
  });

  it("kmalloc-8: free meta spills 8 bytes past the object, alloc meta shifts to 16", () => {
    const a = createArgs(8);
    kasan.hooks.cacheCreate(a);
    // 8 + 16 alloc meta = 24, + (16 − 8) free-meta spill = 32; alloc meta 8 → 16; optimal 8 + 16 = 24.
    expect(a.size).toBe(32);
    expect(a.info).toEqual({ allocMetaOffset: 16, freeMetaOffset: 0 });
  });

  it("a ctor or SLAB_TYPESAFE_BY_RCU cache keeps free meta outside the object", () => {
    for (const a of [createArgs(200, 0, true), createArgs(200, SLAB_TYPESAFE_BY_RCU)]) {
      kasan.hooks.cacheCreate(a);
      // alloc meta at 200 → 216, free meta at 216 → 232, optimal 200 + 64 = 264.
      expect(a.size).toBe(264);
      expect(a.info).toEqual({ allocMetaOffset: 200, freeMetaOffset: 216 });
    }
  });

  it("with slub_debug a tiny object's free meta goes after alloc meta", () => {
    const { kasan: k2 } = makeTestKasan("generic", "", { slubDebug: true });
    const a = createArgs(8);
    k2.hooks.cacheCreate(a);
    // alloc meta 8 → 24, free meta 24 → 40; optimal 8 + 16 = 24 < 40.
    expect(a.size).toBe(40);
    expect(a.info).toEqual({ allocMetaOffset: 8, freeMetaOffset: 24 });
  });

  it("metas that would exceed KMALLOC_MAX_SIZE are dropped", () => {
    const a = createArgs(4 << 20, 0, true);
    kasan.hooks.cacheCreate(a);
    expect(a.size).toBe(4 << 20);
    expect(a.info).toEqual({ allocMetaOffset: 0, freeMetaOffset: KASAN_NO_FREE_META });
  });
});

describe("Generic slab object lifecycle: shadow bytes", () => {
  function setup() {
    const t = makeTestKasan("generic", "kasan_multi_shot");
    const cache = fakeCache({ objectSize: 128, size: 192, info: { allocMetaOffset: 128, freeMetaOffset: 0 } });
    t.describer.addSlab(cache, TEST_PFN, 0);
    t.kasan.hooks.poisonSlab(TEST_PFN, 0);
    const g = t.kasan.backend as GenericBackend;
    return { ...t, cache, g };
  }

  it("kasan_poison_slab marks the whole slab KASAN_SLAB_REDZONE", () => {
    const { g, counters } = setup();
    // 4096 bytes / 8 = 512 shadow bytes, all 0xfc.
    expect(g.shadow.findNotEqual(TEST_OFF, TEST_OFF + PAGE_SIZE, 0xfc)).toBe(-1);
    expect(counters.cur.shadowBytesWritten).toBe(512);
  });

  it("kmalloc(115) from kmalloc-128: 14 × 00, 03, then redzone fc (worked example 11b.1)", () => {
    const { kasan, g, cache } = setup();
    const obj = kasan.hooks.initSlabObj(cache, kptr(TEST_OFF));
    const p = kasan.hooks.slabAlloc(cache, obj, GFP_KERNEL, false);
    expect(p).toBe(obj); // Generic: no tag
    kasan.hooks.kmalloc(cache, p, 115, GFP_KERNEL);
    // 115 = 14·8 + 3: granules 0..13 = 00, granule 14 = 03, granule 15 ([120,128)) = fc, then the
    // adaptive redzone [128,192) still fc from kasan_poison_slab.
    expect(shadowBytes(g, TEST_OFF, 24)).toEqual([...Array(14).fill(0), 3, ...Array(9).fill(0xfc)]);
  });

  it("an off-by-one write is slab-out-of-bounds with the 115-byte region and memory rows", () => {
    const { kasan, cache } = setup();
    const p = kasan.hooks.slabAlloc(cache, kasan.hooks.initSlabObj(cache, kptr(TEST_OFF)), GFP_KERNEL, false);
    kasan.hooks.kmalloc(cache, p, 115, GFP_KERNEL);
    expect(kasan.access.write(p + 114, 1)).toBe(true);
    expect(kasan.access.write(p + 115, 1, 0x1234)).toBe(false);
    const e = kasan.reports.events[0];
    expect(e.bugType).toBe("slab-out-of-bounds"); // 03 → next byte fc
    expect(e.firstBadAddr).toBe(kptr(TEST_OFF + 115));
    expect(e.isWrite).toBe(true);
    expect(e.ip).toBe(0x1234);
    expect(e.object).toMatchObject({ cacheName: "kmalloc-128", objectSize: 128, objectStart: kptr(TEST_OFF), allocSize: 115 });
    expect(e.object?.allocTrack).toEqual({ pid: 42, stack: 0 }); // saved by kasan_kmalloc for a kmalloc cache
    // Rows of 128 bytes starting 256 before round_down(addr, 128); the guilty one is the third.
    expect(e.metadata?.map((r) => r.addr)).toEqual([-256, -128, 0, 128, 256].map((d) => kptr(TEST_OFF + d)));
    expect(e.metadata?.map((r) => r.guilty)).toEqual([false, false, true, false, false]);
    expect(e.metadata?.[2].values).toEqual([...Array(14).fill(0), 3, 0xfc]);
    expect(e.metadata?.[0].values).toEqual(Array(16).fill(0xff)); // boot memory: KASAN_PAGE_FREE
  });

  it("kfree poisons KASAN_SLAB_FREE with KASAN_SLAB_FREE_META in the first byte and quarantines", () => {
    const { kasan, g, cache, counters } = setup();
    const p = kasan.hooks.slabAlloc(cache, kasan.hooks.initSlabObj(cache, kptr(TEST_OFF)), GFP_KERNEL, false);
    kasan.hooks.kmalloc(cache, p, 115, GFP_KERNEL);
    expect(kasan.hooks.slabPreFree(cache, p, 0)).toBe(false);
    expect(kasan.hooks.slabFree(cache, p, false, false)).toBe(true);
    // round_up(128, 8) / 8 = 16 shadow bytes: fa then 15 × fb.
    expect(shadowBytes(g, TEST_OFF, 17)).toEqual([0xfa, ...Array(15).fill(0xfb), 0xfc]);
    expect(counters.cur.quarantinePuts).toBe(1);
    expect(counters.cur.quarantineBytesPut).toBe(192); // cache->size
    expect(kasan.access.read(p + 8, 8)).toBe(false);
    const e = kasan.reports.events[0];
    expect(e.bugType).toBe("slab-use-after-free");
    expect(e.object?.freeTrack).toEqual({ pid: 42, stack: 0 });
    // kasan_get_alloc_size() returns 0 for a freed object (first shadow byte fa), so the
    // report falls back to object_size.
    expect(e.object?.allocSize).toBe(128);
  });

  it("double free and invalid free are reported by kasan_slab_pre_free", () => {
    const { kasan, cache } = setup();
    const p = kasan.hooks.slabAlloc(cache, kasan.hooks.initSlabObj(cache, kptr(TEST_OFF)), GFP_KERNEL, false);
    expect(kasan.hooks.slabPreFree(cache, p + 1, 0)).toBe(true); // not the object start
    kasan.hooks.slabFree(cache, p, false, false);
    expect(kasan.hooks.slabPreFree(cache, p, 0)).toBe(true); // shadow fa: not accessible
    expect(kasan.reports.events.map((e) => [e.type, e.bugType, e.firstBadAddr])).toEqual([
      ["invalid-free", "invalid-free", kptr(TEST_OFF + 1)],
      ["double-free", "double-free", kptr(TEST_OFF)],
    ]);
  });

  it("a SLAB_TYPESAFE_BY_RCU object freed without RCU delay stays accessible", () => {
    const { kasan, g } = setup();
    const rcu = fakeCache({ name: "rcu", objectSize: 64, size: 128, flags: SLAB_TYPESAFE_BY_RCU, isKmalloc: false, info: { allocMetaOffset: 64, freeMetaOffset: 80 } });
    const p = kasan.hooks.slabAlloc(rcu, kptr(TEST_OFF), GFP_KERNEL, false);
    kasan.hooks.slabFree(rcu, p, false, true);
    expect(shadowBytes(g, TEST_OFF, 8)).toEqual(Array(8).fill(0));
  });

  it("quarantine release hands the object back and turns fa into fb", () => {
    const t = makeTestKasan("generic", "", { totalRamPages: 1 });
    const cache = fakeCache({ objectSize: 1 << 19, size: 1 << 19 });
    const g = t.kasan.backend as GenericBackend;
    // Three 512 KiB objects: the third pushes the per-CPU queue to 1.5 MiB > 1 MiB → global.
    for (let i = 0; i < 3; i++) {
      const p = kptr(TEST_OFF + i * (1 << 19));
      t.kasan.hooks.slabAlloc(cache, p, 0, false);
      t.kasan.hooks.slabFree(cache, p, false, false);
    }
    // RAM 4 KiB: quarantine_max_size = max(0, 4096/32 − 1 MiB) = 0, so one reduce frees the batch.
    t.kasan.hooks.quarantineReduce();
    expect(t.released.map((r) => r.object)).toEqual([0, 1, 2].map((i) => kptr(TEST_OFF + i * (1 << 19))));
    expect(g.shadow.get(TEST_OFF)).toBe(0xfb);
  });
});

describe("Generic page hooks", () => {
  it("kasan_unpoison_pages / kasan_poison_pages over an order-1 block", () => {
    const { kasan, counters } = makeTestKasan("generic");
    const g = kasan.backend as GenericBackend;
    expect(kasan.hooks.unpoisonPages(TEST_PFN, 1, false)).toBe(true);
    // 8192 bytes / 8 = 1024 shadow bytes of 00.
    expect(counters.cur.shadowBytesWritten).toBe(1024);
    expect(g.shadow.findNotEqual(TEST_OFF, TEST_OFF + 8192, 0)).toBe(-1);
    expect(g.shadow.get(TEST_OFF + 8192)).toBe(0xff);
    kasan.hooks.poisonPages(TEST_PFN, 1, false);
    expect(g.shadow.findNotEqual(TEST_OFF, TEST_OFF + 8192, 0xff)).toBe(-1);
  });

  it("kmalloc_large(5001): partial granule 01 then KASAN_PAGE_REDZONE to the block end", () => {
    const t = makeTestKasan("generic", "kasan_multi_shot");
    const { kasan } = t;
    const g = kasan.backend as GenericBackend;
    t.describer.addPages(TEST_PFN, 1);
    kasan.hooks.unpoisonPages(TEST_PFN, 1, false);
    const p = kasan.hooks.kmallocLarge(kptr(TEST_OFF), 5001, GFP_KERNEL);
    // 5001 = 625·8 + 1: granule 625 = 01, granules 626..1023 = fe.
    expect(g.shadow.get(TEST_OFF + 5000)).toBe(1);
    expect(g.shadow.findNotEqual(TEST_OFF + 5008, TEST_OFF + 8192, 0xfe)).toBe(-1);
    expect(kasan.access.read(p + 5001, 1)).toBe(false);
    expect(kasan.reports.events[0].bugType).toBe("slab-out-of-bounds");
    expect(kasan.hooks.kfreeLarge(p + 1, TEST_PFN, 0)).toBe(true);
    expect(kasan.reports.events[1].bugType).toBe("invalid-free");
    expect(kasan.hooks.kfreeLarge(p, TEST_PFN, 0)).toBe(false);
    kasan.hooks.poisonPages(TEST_PFN, 1, false);
    expect(kasan.access.read(p, 1)).toBe(false);
    expect(kasan.reports.events[2].bugType).toBe("use-after-free");
    expect(kasan.hooks.kfreeLarge(p, TEST_PFN, 0)).toBe(true);
    expect(kasan.reports.events[3].bugType).toBe("double-free");
  });

  it("krealloc in place shrinks the accessible part and redoes the redzone", () => {
    const { kasan } = makeTestKasan("generic");
    const g = kasan.backend as GenericBackend;
    const cache = fakeCache({ objectSize: 64, size: 96 });
    kasan.hooks.poisonSlab(TEST_PFN, 0);
    const p = kasan.hooks.slabAlloc(cache, kptr(TEST_OFF), GFP_KERNEL, false);
    kasan.hooks.kmalloc(cache, p, 64, GFP_KERNEL);
    kasan.hooks.krealloc(cache, p, 20, GFP_KERNEL);
    // 20 = 2·8 + 4: 00 00 04, then [24, 64) fc.
    expect(shadowBytes(g, TEST_OFF, 8)).toEqual([0, 0, 4, 0xfc, 0xfc, 0xfc, 0xfc, 0xfc]);
  });
});

describe("Generic vmalloc hooks", () => {
  it("populate maps one 32 KiB-covering shadow page; unpoison is byte precise; poison writes f8", () => {
    const { kasan, counters } = makeTestKasan("generic", "kasan_multi_shot");
    const g = kasan.backend as GenericBackend;
    const start = makePtr(TAG_KERNEL, VMALLOC_BASE + 0x10_0000);
    kasan.hooks.populateVmalloc(start, 3 * PAGE_SIZE);
    // One shadow page covers 4096 · 8 = 32 KiB of vmalloc space: 4096 shadow bytes written.
    expect(counters.cur.shadowBytesWritten).toBe(4096);
    kasan.hooks.populateVmalloc(start + 3 * PAGE_SIZE, PAGE_SIZE); // same shadow page, already mapped
    expect(counters.cur.shadowBytesWritten).toBe(4096);
    const p = kasan.hooks.unpoisonVmalloc(start, 100, KASAN_VMALLOC_VM_ALLOC | KASAN_VMALLOC_PROT_NORMAL, []);
    expect(p).toBe(start);
    // 100 = 12·8 + 4: 12 × 00, 04, then f8.
    expect(shadowBytes(g, VMALLOC_BASE + 0x10_0000, 14)).toEqual([...Array(12).fill(0), 4, 0xf8]);
    expect(kasan.access.read(p + 100, 1)).toBe(false);
    expect(kasan.reports.events[0].bugType).toBe("vmalloc-out-of-bounds");
    kasan.hooks.poisonVmalloc(p, 100);
    // round_up(100, 8) = 104 bytes = 13 shadow bytes of f8.
    expect(shadowBytes(g, VMALLOC_BASE + 0x10_0000, 13)).toEqual(Array(13).fill(0xf8));
  });
});

describe("Generic wild and overflowing accesses", () => {
  it("addresses without shadow are null-ptr-deref / user-memory-access / wild-memory-access", () => {
    const { kasan } = makeTestKasan("generic", "kasan_multi_shot");
    kasan.access.read(userPtr(0x10), 8);
    kasan.access.read(userPtr(0x40_0000), 8);
    kasan.access.read(makePtr(0x12, userPtr(0x40_0000)), 8);
    expect(kasan.reports.events.map((e) => [e.bugType, e.hasMetadata])).toEqual([
      ["null-ptr-deref", false],
      ["user-memory-access", false],
      ["wild-memory-access", false],
    ]);
    expect(kasan.reports.events[0].metadata).toBeUndefined();
  });

  it("memmove with a negative size is out-of-bounds (addr + size wraps)", () => {
    const { kasan } = makeTestKasan("generic");
    kasan.hooks.unpoisonPages(TEST_PFN, 0, false);
    expect(kasan.access.memmove(kptr(TEST_OFF), kptr(TEST_OFF + 4), -2)).toBe(false);
    expect(kasan.reports.events[0]).toMatchObject({ bugType: "out-of-bounds", accessSize: -2, isWrite: false });
  });

  it("memset checks the whole range before writing", () => {
    const { kasan, counters } = makeTestKasan("generic");
    kasan.hooks.unpoisonPages(TEST_PFN, 0, false);
    const before = counters.cur.shadowChecks;
    expect(kasan.access.memset(kptr(TEST_OFF), 0, PAGE_SIZE)).toBe(true);
    expect(kasan.access.memset(kptr(TEST_OFF + 1), 0, PAGE_SIZE)).toBe(false); // last byte in a free page
    expect(counters.cur.shadowChecks - before).toBe(2);
    expect(kasan.reports.events[0]).toMatchObject({ bugType: "use-after-free", firstBadAddr: kptr(TEST_OFF + 1 + PAGE_SIZE) });
  });
});
