/**
 * Golden reports, HW_TAGS, slab memory: out-of-bounds into the kmalloc redzone and into a
 * neighbouring object, use-after-free, double-free, invalid-free, and the 15 reports of
 * match_all_mem_tag. Each expectation is derived from report.c / report_hw_tags.c /
 * report_tags.c (kasan-facts §7, §2.8) and the case's parameters (kasan_test_c.c, §9.2):
 * - bug type: the newest stack-ring entry with the object's address, the pointer's tag and the
 *   cache's object_size decides (free ⇒ slab-use-after-free, alloc ⇒ slab-out-of-bounds); none
 *   ⇒ invalid-access; frees are invalid-free / double-free whatever the ring says;
 * - alloc_size: granules before the first 0xfe memory tag, object_size when that is 0 or ≥ it;
 * - memory state: rows of 16 granules (256 bytes), the third is round_down(addr, 256).
 */
import { describe, expect, it } from "vitest";
import { dumpHead, expectRows, frame, KTHREAD, matchLines, memoryState, px, rep, runCase, SEP, TAINT_BN, TAINT_N } from "./golden-match.js";
import {
  accessAddr,
  CACHE_ALLOC,
  CACHE_FREE,
  compoundPage,
  expectObject,
  expectPageTag,
  expectPfn,
  expectRandomTag,
  G,
  KFREE,
  KMALLOC_ALLOC,
  objectLines,
  ptag,
  ringTrack,
  SLAB_PAGE,
  tagFaultHead,
  tagFaultTrace,
} from "./hw-tags-golden.js";

const FE = rep("fe", 16);
const T16 = rep("{tag:ptag}", 16);

/** A free (double or invalid) report's head: "Free of addr", then the tags of its first granule. */
function freeHead(bug: string, fn: string, memTag: string): string[] {
  return [SEP, `BUG: KASAN: ${bug} in ${fn}+0x{hex}/0x{hex:size_${fn}} [kasan_test]`, "Free of addr {tag:ptag}ff{hex:a} by task kunit_try_catch/37", `Pointer tag: [{tag:ptag}], memory tag: [${memTag}]`, ""];
}

/** kmem_cache_free → slab_free_hook (inlined) → kasan_slab_pre_free → check_slab_allocation → report. */
function slabFreeTrace(entry: string, fn: string): string[] {
  return [frame("print_report"), frame("kasan_report_invalid_free"), frame("__kasan_slab_pre_free"), frame(entry), frame(fn, true), ...KTHREAD, ""];
}

describe("HW_TAGS golden reports: slab", () => {
  it("kmalloc_oob_left: the byte before the object is in the previous page's last vmap_area object ⇒ invalid-access, 'to the right of'", () => {
    const r = runCase("hw_tags", "kmalloc_oob_left");
    expect(r.reports).toHaveLength(1);
    // kmalloc(15) → kmalloc-16, the first object of a fresh slab (page start). *ptr = *(ptr − 1)
    // loads page_start − 1: the page below is a boot-time vmap_area slab (72-byte objects,
    // stride 80: 51 objects, the last at 0xfa0, its 72 bytes end at 0xfe8). nearest_obj = that
    // object; it is free (0xfe), so alloc_size falls back to 72 and the byte is
    // 0xfff − 0xfe8 = 23 bytes to the right of it. No ring entry has it with our tag ⇒
    // invalid-access. first_bad_addr = page_start − 1: row page_start − 256, caret under granule 15.
    // Next row: our object (T) and the rest of the kmalloc-16 slab (0xfe).
    const c = matchLines(r.reports[0], [
      ...tagFaultHead("invalid-access", "kmalloc_oob_left", "Read", "fe"),
      ...dumpHead(TAINT_N),
      ...tagFaultTrace("kmalloc_oob_left"),
      ...objectLines("vmap_area", 72, "23 bytes to the right", 72),
      ...SLAB_PAGE,
      ...memoryState([FE, FE, FE, `{tag:ptag} ${rep("fe", 15)}`, FE], 15),
      SEP,
    ]);
    const addr = accessAddr(c);
    expect(addr % 4096n).toBe(4095n);
    expect(px(c, "obj")).toBe(addr - 4095n + 0xfa0n);
    expect(px(c, "end") - px(c, "obj")).toBe(72n);
    expectRows(c, G, addr);
    expectPfn(c, px(c, "obj"));
  });

  it("kmalloc_node_oob_right: one past a kmalloc-4k object is the next, never-allocated object ⇒ invalid-access", () => {
    const r = runCase("hw_tags", "kmalloc_node_oob_right");
    expect(r.reports).toHaveLength(1);
    // kmalloc_node(4096, node 0) → kmalloc-4k, first object of a fresh order-3 slab (8 objects).
    // Read ptr[4096]: the second object, all 0xfe ⇒ no ring entry ⇒ invalid-access; alloc_size
    // falls back to object_size: 0 bytes inside of its 4096-byte region. The access opens a row:
    // the two rows before are the tail of our object (T), the rows after the unused second object.
    // The page is the slab's head page (virt_to_head_page): order 3, PG_head, page tag 0xff.
    const c = matchLines(r.reports[0], [
      ...tagFaultHead("invalid-access", "kmalloc_node_oob_right", "Read", "fe"),
      ...dumpHead(TAINT_N),
      ...tagFaultTrace("kmalloc_node_oob_right"),
      ...objectLines("kmalloc-4k", 4096, "0 bytes inside", 4096),
      ...compoundPage(3, true),
      ...memoryState([T16, T16, FE, FE, FE], 0),
      SEP,
    ]);
    expectRandomTag(ptag(c));
    expectObject(c, 4096, 0);
    expect(px(c, "obj") % 4096n).toBe(0n);
    expectRows(c, G, accessAddr(c));
    expectPfn(c, px(c, "obj") - 4096n);
    expectPageTag(c, 0xff);
    expect(c.flags).toBe("40");
  });

  it("kmalloc_big_oob_right: write into kmalloc-8k's 256-byte redzone ⇒ slab-out-of-bounds", () => {
    const r = runCase("hw_tags", "kmalloc_big_oob_right");
    expect(r.reports).toHaveLength(1);
    // kmalloc(8192 − 256 = 7936) → kmalloc-8k (order-3 slab); granules 0..495 = T, 496..511 = 0xfe.
    // Write ptr[7936]: granule 496 ⇒ ring alloc entry ⇒ slab-out-of-bounds with the alloc stack;
    // alloc_size = 496 granules = 7936 ⇒ 0 bytes to the right. obj + 7936 = obj + 0x1f00 opens a
    // row of 16 redzone granules; the rows after are the next object (never allocated).
    const c = matchLines(r.reports[0], [
      ...tagFaultHead("slab-out-of-bounds", "kmalloc_big_oob_right", "Write", "fe"),
      ...dumpHead(TAINT_N),
      ...tagFaultTrace("kmalloc_big_oob_right"),
      ...ringTrack("Allocated by task 37:", KMALLOC_ALLOC, "kmalloc_big_oob_right"),
      ...objectLines("kmalloc-8k", 8192, "0 bytes to the right", 7936),
      ...compoundPage(3, true),
      ...memoryState([T16, T16, FE, FE, FE], 0),
      SEP,
    ]);
    expectObject(c, 7936, 7936);
    expectRows(c, G, accessAddr(c));
    expectPfn(c, px(c, "obj"));
    expectPageTag(c, 0xff);
    expect(c.flags).toBe("40");
  });

  it("kmalloc_uaf: slab-use-after-free with both ring stacks, freed object all 0xfe", () => {
    const r = runCase("hw_tags", "kmalloc_uaf");
    expect(r.reports).toHaveLength(1);
    // kmalloc(10) → kmalloc-16 (16-byte minimum alignment under MTE), kfree → granule 0xfe.
    // Read ptr[8]: newest ring entry for (object, T, 16) is the kfree ⇒ slab-use-after-free;
    // the search goes on to the kmalloc entry: Allocated then Freed are printed. alloc_size:
    // first granule 0xfe ⇒ fallback 16: 8 bytes inside. Fresh kmalloc-16 slab: the object opens
    // the row, everything around is 0xfe; caret under granule 0.
    const c = matchLines(r.reports[0], [
      ...tagFaultHead("slab-use-after-free", "kmalloc_uaf", "Read", "fe"),
      ...dumpHead(TAINT_N),
      ...tagFaultTrace("kmalloc_uaf"),
      ...ringTrack("Allocated by task 37:", KMALLOC_ALLOC, "kmalloc_uaf"),
      ...ringTrack("Freed by task 37:", KFREE, "kmalloc_uaf"),
      ...objectLines("kmalloc-16", 16, "8 bytes inside", 16),
      ...SLAB_PAGE,
      ...memoryState([FE, FE, FE, FE, FE], 0),
      SEP,
    ]);
    expectObject(c, 16, 8);
    expect(px(c, "obj")).toBe(px(c, "row2"));
    expectRows(c, G, accessAddr(c));
  });

  it("kmem_cache_double_free: the second kmem_cache_free sees memory tag 0xfe ⇒ double-free", () => {
    const r = runCase("hw_tags", "kmem_cache_double_free");
    expect(r.reports).toHaveLength(1);
    // test_cache (200 bytes, no flags). The first free retagged the object 0xfe; the second:
    // check_slab_allocation finds the pointer at the object start but its byte not accessible
    // ⇒ kasan_report_invalid_free(DOUBLE_FREE), ip = kmem_cache_free's return address (slab_free
    // and its hooks are inlined). The ring still supplies both stacks (free entry, then alloc).
    // alloc_size: 0xfe ⇒ object_size 200 ⇒ [obj, obj + 0xc8). first_bad_addr = the untagged
    // pointer, the object start of a fresh slab: row start, caret under granule 0.
    const c = matchLines(r.reports[0], [
      ...freeHead("double-free", "kmem_cache_double_free", "fe"),
      ...dumpHead(TAINT_N),
      ...slabFreeTrace("kmem_cache_free", "kmem_cache_double_free"),
      ...ringTrack("Allocated by task 37:", CACHE_ALLOC, "kmem_cache_double_free"),
      ...ringTrack("Freed by task 37:", CACHE_FREE, "kmem_cache_double_free"),
      ...objectLines("test_cache", 200, "0 bytes inside", 200),
      ...SLAB_PAGE,
      ...memoryState([FE, FE, FE, FE, FE], 0),
      SEP,
    ]);
    expectObject(c, 200, 0);
    expect(px(c, "obj")).toBe(px(c, "row2"));
    expectRows(c, G, accessAddr(c));
  });

  it("kmem_cache_invalid_free: freeing p + 1 ⇒ invalid-free, the object stays allocated", () => {
    const r = runCase("hw_tags", "kmem_cache_invalid_free");
    expect(r.reports).toHaveLength(1);
    // test_cache 200 bytes, SLAB_TYPESAFE_BY_RCU: the free pointer lives after the object, stride
    // round_up(208, 16) = 208 = 13 granules, all tagged T at allocation (200 → 13 granules).
    // kmem_cache_free(cache, p + 1): nearest_obj(p + 1) = p ≠ p + 1 ⇒ invalid-free. The memory
    // tag of p + 1's granule is still T. Ring: only the alloc entry ⇒ Allocated by, no Freed.
    // alloc_size: 13 granules ≥ 200 ⇒ object_size 200; 1 byte inside. Row: 13 × T, then the
    // next (unallocated) object's 0xfe.
    const c = matchLines(r.reports[0], [
      ...freeHead("invalid-free", "kmem_cache_invalid_free", "{tag:ptag}"),
      ...dumpHead(TAINT_N),
      ...slabFreeTrace("kmem_cache_free", "kmem_cache_invalid_free"),
      ...ringTrack("Allocated by task 37:", CACHE_ALLOC, "kmem_cache_invalid_free"),
      ...objectLines("test_cache", 200, "1 bytes inside", 200),
      ...SLAB_PAGE,
      ...memoryState([FE, FE, `${rep("{tag:ptag}", 13)} fe fe fe`, FE, FE], 0),
      SEP,
    ]);
    expectRandomTag(ptag(c));
    expectObject(c, 200, 1);
    expect(px(c, "obj")).toBe(px(c, "row2"));
    expectRows(c, G, accessAddr(c));
  });

  it("match_all_mem_tag: 15 stores, one per memory tag 0xf0..0xff other than the pointer's — no tag matches all", () => {
    const r = runCase("hw_tags", "match_all_mem_tag");
    // kmalloc(128) with tag T; for t = 0xf0..0xff, t ≠ T: kasan_poison(ptr, 16, t), *ptr = 0.
    // 16 values − T = 15 reports. Each: store to the object start, memory tag t (LDG shows the
    // logical tag as 0xf?, so 0xff for t = 0xff: match-all exists for pointers only); ring alloc
    // entry (obj, T, 128) ⇒ slab-out-of-bounds. alloc_size: t ≠ 0xfe ⇒ 8 granules = 128; t =
    // 0xfe ⇒ 0 ⇒ fallback 128: always 0 bytes inside a 128-byte region. Row: t, 7 × T, then the
    // never-allocated next object.
    expect(r.reports).toHaveLength(15);
    // Captures carried from report to report: the same object, pointer and pointer tag.
    const carried: Record<string, string> = {};
    const seen: number[] = [];
    r.reports.forEach((lines, i) => {
      const c = matchLines(
        lines,
        [
          ...tagFaultHead("slab-out-of-bounds", "match_all_mem_tag", "Write", "{tag:mt}"),
          ...dumpHead(i === 0 ? TAINT_N : TAINT_BN),
          ...tagFaultTrace("match_all_mem_tag"),
          ...ringTrack("Allocated by task 37:", KMALLOC_ALLOC, "match_all_mem_tag"),
          ...objectLines("kmalloc-128", 128, "0 bytes inside", 128),
          ...SLAB_PAGE,
          ...memoryState([FE, FE, `{tag:mt} ${rep("{tag:ptag}", 7)} ${rep("fe", 8)}`, FE, FE], 0),
          SEP,
        ],
        { ...carried },
      );
      expectObject(c, 128, 0);
      expectRows(c, G, accessAddr(c));
      seen.push(Number.parseInt(c.mt, 16));
      carried.ptag = c.ptag;
      carried.obj = c.obj;
      carried.a = c.a;
    });
    const t = ptag(carried);
    expectRandomTag(t);
    const want: number[] = [];
    for (let m = 0xf0; m <= 0xff; m++) if (m !== t) want.push(m);
    expect(seen).toEqual(want);
  });
});
