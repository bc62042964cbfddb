/**
 * __kasan_unpoison_vmalloc / __kasan_poison_vmalloc under HW_TAGS (kasan-facts §5.3 HW column).
 * The backing pages come from the real page allocator with __GFP_SKIP_KASAN | __GFP_SKIP_ZERO
 * (what __vmalloc_node_range asks for when HW tags are on), and the MTE model follows a
 * vmalloc page-table lookup so vmalloc tags land on the frames, as in hardware.
 */
import { describe, expect, it } from "vitest";
import { makePtr, ptrTag, setTag, TAG_KERNEL, VMALLOC_BASE } from "../../arch/pointer.js";
import { GFP_KERNEL, __GFP_SKIP_KASAN, __GFP_SKIP_ZERO } from "../../mm/gfp.js";
import { KASAN_VMALLOC_INIT, KASAN_VMALLOC_KEEP_TAG, KASAN_VMALLOC_PROT_NORMAL, KASAN_VMALLOC_VM_ALLOC } from "../../mm/kasan-hooks.js";
import { pfnToOffset } from "../../mm/memory-layout.js";
import { granuleTags, makeHwTagsEnv, tagInsns, type HwTagsTestOpts } from "./test-env.js";

const AREA = VMALLOC_BASE + 0x100000;
const VMALLOC_FLAGS = KASAN_VMALLOC_VM_ALLOC | KASAN_VMALLOC_PROT_NORMAL;

/** An area of `nrPages` backing pages mapped at AREA. */
function area(nrPages: number, opts: HwTagsTestOpts = { cmdline: "kasan_multi_shot" }) {
  const t = makeHwTagsEnv(opts);
  const pfns: number[] = [];
  for (let i = 0; i < nrPages; i++) pfns.push(t.pa.allocPages(GFP_KERNEL | __GFP_SKIP_KASAN | __GFP_SKIP_ZERO, 0));
  t.mte.setMappingLookup({
    vmallocTaggedPhys: (pageOff) => {
      const i = (pageOff - AREA) / 4096;
      return i >= 0 && i < pfns.length ? pfnToOffset(pfns[i]) : -1;
    },
  });
  // The SKIP_KASAN allocations tagged nothing, so every tag counter below starts at 0.
  return { ...t, pfns, start: makePtr(TAG_KERNEL, AREA) };
}

describe("kasan_unpoison_vmalloc (HW_TAGS)", () => {
  it("vmalloc(2027): [0, 2032) ← T, in-page tail [2032, 4096) ← 0xFE, backing page tag ← T", () => {
    const { kasan, pa, pfns, pages, start, mte, counters, events } = area(1);
    expect(pages.kasanTag(pfns[0])).toBe(0xff); // __GFP_SKIP_KASAN: page_alloc left it alone
    const v = kasan.hooks.unpoisonVmalloc(start, 2027, VMALLOC_FLAGS, pfns);
    const t = ptrTag(v);
    expect(t >= 0xf0 && t <= 0xfd).toBe(true);
    // Tags seen through the frame's linear address (the vmalloc mapping aliases it).
    expect(granuleTags(mte, pfnToOffset(pfns[0]), 4096)).toEqual([...Array(127).fill(t), ...Array(129).fill(0xfe)]);
    expect(pages.kasanTag(pfns[0])).toBe(t);
    // unpoison 2032 B at a page boundary: STG 4 to 64, DC GVA 64→1984 (30), STG 3 for [1984, 2032);
    // redzone 2064 B at 2032: STG 1 to 2048, DC GVA 2048→4096 (32). Totals STG 8, DC 62, 256 granules.
    expect(tagInsns(counters)).toEqual({ irg: 1, stg: 8, stzg: 0, dcGva: 62, dcGzva: 0, granulesTagged: 256, bytesZeroed: 0 });
    // vmalloc_oob (tags): v[0], v[2026] fine; v[2032] faults; page_address(vmalloc_to_page(v))[0] fine.
    expect(kasan.access.write(v, 1)).toBe(true);
    expect(kasan.access.write(v + 2026, 1)).toBe(true);
    expect(kasan.access.read(v + 2032, 1)).toBe(false);
    expect(events[0]).toMatchObject({ bugType: "invalid-access", pointerTag: t, memoryTag: 0xfe, accessAddr: v + 2032 });
    expect(kasan.access.write(pa.pageAddress(pfns[0]), 1)).toBe(true);
    expect(events).toHaveLength(1);
  });

  it("KASAN_VMALLOC_INIT: the same pass zeroes — STZG 8 + DC GZVA 62, 4096 bytes", () => {
    const { kasan, pfns, start, counters } = area(1);
    kasan.hooks.unpoisonVmalloc(start, 2027, VMALLOC_FLAGS | KASAN_VMALLOC_INIT, pfns);
    expect(tagInsns(counters)).toEqual({ irg: 1, stg: 0, stzg: 8, dcGva: 0, dcGzva: 62, granulesTagged: 256, bytesZeroed: 4096 });
  });

  it("a page-multiple size has no in-page redzone: 8192 B = STG 4 + DC GVA 127; both pages get T", () => {
    const { kasan, pfns, start, pages, counters } = area(2);
    const v = kasan.hooks.unpoisonVmalloc(start, 8192, VMALLOC_FLAGS, pfns);
    expect(pfns.map((p) => pages.kasanTag(p))).toEqual([ptrTag(v), ptrTag(v)]);
    expect(tagInsns(counters)).toMatchObject({ irg: 1, stg: 4, dcGva: 127, granulesTagged: 512 });
  });

  it("KASAN_VMALLOC_KEEP_TAG reuses the pointer's tag (no IRG)", () => {
    const { kasan, pfns, start, mte, counters } = area(1);
    const v = kasan.hooks.unpoisonVmalloc(setTag(start, 0xf5), 4096, VMALLOC_FLAGS | KASAN_VMALLOC_KEEP_TAG, pfns);
    expect(ptrTag(v)).toBe(0xf5);
    expect(new Set(granuleTags(mte, pfnToOffset(pfns[0]), 4096))).toEqual(new Set([0xf5]));
    expect(counters.cur.irg).toBe(0);
  });

  it("non-VM_ALLOC mappings (vmap, vm_map_ram, percpu) are left untagged; INIT there is a WARN", () => {
    const { kasan, pfns, start, counters } = area(1);
    expect(kasan.hooks.unpoisonVmalloc(start, 4096, KASAN_VMALLOC_PROT_NORMAL, pfns)).toBe(start);
    expect(kasan.warnings).toHaveLength(0);
    expect(kasan.hooks.unpoisonVmalloc(start, 4096, KASAN_VMALLOC_PROT_NORMAL | KASAN_VMALLOC_INIT, pfns)).toBe(start);
    expect(kasan.warnings).toHaveLength(1);
    expect(counters.cur.granulesTagged).toBe(0);
  });

  it("executable (!PROT_NORMAL) VM_ALLOC mappings are left untagged; INIT there is a WARN", () => {
    const { kasan, pfns, start, counters } = area(1);
    expect(kasan.hooks.unpoisonVmalloc(start, 4096, KASAN_VMALLOC_VM_ALLOC | KASAN_VMALLOC_INIT, pfns)).toBe(start);
    expect(kasan.warnings).toEqual(["__kasan_unpoison_vmalloc: KASAN_VMALLOC_INIT for an executable mapping"]);
    expect([counters.cur.granulesTagged, counters.cur.irg]).toEqual([0, 0]);
  });

  it("kasan.vmalloc=off: INIT clears each page with clear_highpage_kasan_tagged, pointer stays untagged", () => {
    const { kasan, b, pfns, start, pages, counters } = area(2, { cmdline: "kasan.vmalloc=off" });
    expect(b.vmallocEnabled).toBe(false);
    expect(b.bootLog[1]).toContain("vmalloc=off");
    expect(kasan.hooks.unpoisonVmalloc(start, 5000, VMALLOC_FLAGS | KASAN_VMALLOC_INIT, pfns)).toBe(start);
    // ceil(5000 / 4096) = 2 pages cleared, data only.
    expect(tagInsns(counters)).toEqual({ irg: 0, stg: 0, stzg: 0, dcGva: 0, dcGzva: 0, granulesTagged: 0, bytesZeroed: 8192 });
    expect(pfns.map((p) => pages.kasanTag(p))).toEqual([0xff, 0xff]);
    expect(() => kasan.hooks.unpoisonVmalloc(start, 9000, VMALLOC_FLAGS | KASAN_VMALLOC_INIT, pfns)).toThrow(/backingPfns/);
  });
});

describe("vfree under HW_TAGS", () => {
  it("kasan_poison_vmalloc tags nothing; freeing the backing page (page tag T) poisons it 0xFE", () => {
    const { kasan, pa, pfns, start, mte, counters, events } = area(1);
    const v = kasan.hooks.unpoisonVmalloc(start, 4096, VMALLOC_FLAGS, pfns);
    const granules = counters.cur.granulesTagged;
    kasan.hooks.poisonVmalloc(v, 4096);
    expect(counters.cur.granulesTagged).toBe(granules);
    pa.freePages(pfns[0], 0);
    expect(new Set(granuleTags(mte, pfnToOffset(pfns[0]), 4096))).toEqual(new Set([0xfe]));
    expect(counters.cur.kasanPoisonPages).toBe(1);
    // A stale vmalloc pointer now faults (the mapping is still in the lookup here).
    expect(kasan.access.read(v, 8)).toBe(false);
    expect(events[0]).toMatchObject({ memoryTag: 0xfe, pointerTag: ptrTag(v) });
  });
});
