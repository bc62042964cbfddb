import { describe, expect, it } from "vitest";
import { VMALLOC_BASE } from "../../arch/pointer.js";
import { Counters } from "../../cost/counters.js";
import { ShadowMemory } from "./shadow-memory.js";

describe("KASAN shadow memory", () => {
  it("reads the per-region boot default until written", () => {
    const sh = new ShadowMemory(3, 0xff, 0xf8, new Counters());
    expect(sh.get(0x1000)).toBe(0xff);
    expect(sh.get(VMALLOC_BASE + 0x1000)).toBe(0xf8);
  });

  it("kasan_populate_vmalloc maps whole shadow pages once; release frees only fully covered ones", () => {
    const counters = new Counters();
    const sh = new ShadowMemory(4, 0xfe, 0xfe, counters); // SW_TAGS: one shadow page covers 64 KiB
    const base = VMALLOC_BASE + 0x100_0000;
    expect(sh.populateVmalloc(base + 0x1000, base + 0x2_0000)).toBe(2); // [4 KiB, 128 KiB) → pages 0, 1
    expect(counters.cur.shadowBytesWritten).toBe(2 * 4096);
    expect(sh.populateVmalloc(base, base + 0x3_0000)).toBe(1); // page 2 is new
    expect(sh.vmallocShadowIsMapped(base + 0x2_8000)).toBe(true);
    // [4 KiB, 192 KiB) aligned inwards to 64 KiB → [64 KiB, 192 KiB): pages 1 and 2.
    expect(sh.releaseVmalloc(base + 0x1000, base + 0x3_0000)).toBe(2);
    expect(sh.vmallocShadowIsMapped(base)).toBe(true);
    expect(sh.vmallocShadowIsMapped(base + 0x1_0000)).toBe(false);
  });

  it("findNotEqual returns the first differing granule, never before the start", () => {
    const sh = new ShadowMemory(3, 0, 0, new Counters());
    sh.set(0x108, 5);
    expect(sh.findNotEqual(0x10a, 0x200, 0)).toBe(0x10a); // same granule as the start
    expect(sh.findNotEqual(0x100, 0x200, 0)).toBe(0x108);
    expect(sh.findNotEqual(0x110, 0x200, 0)).toBe(-1);
  });
});
