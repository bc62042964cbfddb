import { describe, expect, it } from "vitest";
import { ptrOffset } from "../../arch/pointer.js";
import { GFP_KERNEL, __GFP_ZERO } from "../gfp.js";
import { makeSlabTestEnv } from "./slab-test-env.js";
import { ZERO_SIZE_PTR } from "./slab-allocator.js";

describe("ksize (slab_ksize / __ksize)", () => {
  it("reports the whole slot without KASAN metadata, object_size with it", () => {
    // KASAN off: kmalloc-128 has no flags → s->size = 128.
    const off = makeSlabTestEnv({ mode: "off" }).slab;
    expect(off.ksize(off.kmalloc(100, GFP_KERNEL))).toBe(128);
    // Generic: stride 256 but SLAB_KASAN → object_size 128.
    const gen = makeSlabTestEnv({ mode: "generic" }).slab;
    expect(gen.ksize(gen.kmalloc(100, GFP_KERNEL))).toBe(128);
    // Page-backed: folio size; 10000 bytes → order 2 → 16384.
    expect(off.ksize(off.kmalloc(10000, GFP_KERNEL))).toBe(16384);
    expect(off.ksize(0)).toBe(0);
    expect(off.ksize(ZERO_SIZE_PTR)).toBe(0);
  });

  it("returns 0 after KASAN's check byte fails on a freed object", () => {
    const { slab, kasan } = makeSlabTestEnv({ mode: "hw_tags" });
    const p = slab.kmalloc(100, GFP_KERNEL);
    slab.kfree(p);
    expect(slab.ksize(p)).toBe(0);
    expect(kasan.reports.map((r) => r.kind)).toEqual(["use-after-free"]);
  });
});

describe("krealloc (__do_krealloc)", () => {
  it("resizes in place while the new size fits ksize, moves beyond it", () => {
    const { slab, kasan, counters } = makeSlabTestEnv({ mode: "off" });
    const p = slab.kmalloc(100, GFP_KERNEL); // kmalloc-128
    expect(slab.krealloc(p, 120, GFP_KERNEL)).toBe(p);
    const re = kasan.callsOf("krealloc");
    expect(re.map((c) => [c.cache, c.size])).toEqual([["kmalloc-128", 120]]);
    const frees = counters.byOrigin.slab.slabFrees;
    const q = slab.krealloc(p, 129, GFP_KERNEL); // 129 > 128: kmalloc-192, old freed
    expect(ptrOffset(q)).not.toBe(ptrOffset(p));
    expect(slab.findObject(q)!.cache.name).toBe("kmalloc-192");
    expect(counters.byOrigin.slab.slabFrees - frees).toBe(1);
    expect(slab.findObject(p)!.cache.name).toBe("kmalloc-128");
  });

  it("zeroes the spare tail when growing in place with __GFP_ZERO", () => {
    const { slab, counters } = makeSlabTestEnv({ mode: "off" });
    const p = slab.kmalloc(100, GFP_KERNEL);
    const z = counters.byOrigin.slab.bytesZeroed;
    slab.krealloc(p, 110, GFP_KERNEL | __GFP_ZERO);
    // ks = 128, new size 110 → 18 bytes cleared.
    expect(counters.byOrigin.slab.bytesZeroed - z).toBe(18);
  });

  it("acts as kmalloc for NULL, as kfree for size 0, and refuses a freed object", () => {
    const { slab, kasan, counters } = makeSlabTestEnv({ mode: "sw_tags" });
    expect(slab.findObject(slab.krealloc(0, 50, GFP_KERNEL))!.cache.name).toBe("kmalloc-64");
    const p = slab.kmalloc(50, GFP_KERNEL);
    expect(slab.krealloc(p, 0, GFP_KERNEL)).toBe(ZERO_SIZE_PTR);
    const frees = counters.byOrigin.slab.slabFrees;
    expect(slab.krealloc(p, 10, GFP_KERNEL)).toBe(0);
    expect(kasan.reports.map((r) => r.kind)).toEqual(["use-after-free"]);
    expect(counters.byOrigin.slab.slabFrees).toBe(frees);
  });
});

describe("kfree_sensitive", () => {
  it("unpoisons and zeroes ksize bytes, then frees; a second call reports UAF then double-free", () => {
    const { slab, kasan, counters } = makeSlabTestEnv({ mode: "generic" });
    const p = slab.kmalloc(100, GFP_KERNEL);
    const z = counters.byOrigin.slab.bytesZeroed;
    slab.kfreeSensitive(p);
    expect(kasan.callsOf("unpoisonRange").map((c) => c.size)).toEqual([128]);
    expect(counters.byOrigin.slab.bytesZeroed - z).toBe(128);
    // kmalloc_double_kzfree: ksize's kasan_check_byte reports, then kfree's pre-free check.
    slab.kfreeSensitive(p);
    expect(kasan.reports.map((r) => r.kind)).toEqual(["use-after-free", "double-free"]);
  });
});
