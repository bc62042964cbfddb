/**
 * Golden reports, HW_TAGS: kmalloc_oob_right synchronous (kasan-facts §11b.2) and asynchronous
 * (kasan.mode=async). Reports are compared line by line with expectations derived from
 * mm/kasan/report.c, report_hw_tags.c, report_tags.c and the case's parameters.
 * Taint: kunit_run_tests() sets TAINT_TEST (N) before the first case; every report adds
 * TAINT_BAD_PAGE (B) for the next one.
 */
import { describe, expect, it } from "vitest";
import { dumpHead, expectRows, frame, KTHREAD, matchLines, memoryState, px, rep, runCase, SEP, TAINT_BN, TAINT_N } from "./golden-match.js";
import { accessAddr, expectObject, expectPfn, expectRandomTag, G, KMALLOC_ALLOC, objectLines, ptag, ringTrack, SLAB_PAGE, tagFaultHead, tagFaultTrace } from "./hw-tags-golden.js";

describe("HW_TAGS golden reports", () => {
  it("kmalloc_oob_right, sync: slab-out-of-bounds at the 0xfe granule, then invalid-access in the next object", () => {
    const r = runCase("hw_tags", "kmalloc_oob_right");
    // size = 128 − 16 − 5 = 107 → kmalloc-128. kasan_kmalloc tags ceil(107/16) = 7 granules with
    // the object's random tag T and poisons [112, 128) with 0xfe. The Generic-only ptr[107]
    // check is skipped, so two checks fault; the harness re-arms tag checks after the first.
    expect(r.reports).toHaveLength(2);
    // The object is the first of a fresh kmalloc-128 slab: it opens a 256-byte row, the second
    // object of the row (granules 8..15) was never allocated (0xfe from kasan_poison_slab), and so
    // is the rest of the slab. The rows before are the page below: the free tail of a boot-time
    // slab (0xfe).
    const fe = rep("fe", 16);
    const objRow = `${rep("{tag:ptag}", 7)} ${rep("fe", 9)}`;
    // 2nd check: ptr[size + 5] = ptr[112] = 'y' — a store into granule 7 (0xfe ≠ T): sync fault,
    // size-less "Write at addr". Newest ring entry for (object, T, 128) is the kmalloc ⇒
    // slab-out-of-bounds with its alloc stack. alloc_size = 7 granules before the first 0xfe =
    // 112 ⇒ 112 − 112 = 0 bytes to the right of the 112-byte region. Caret under granule 7.
    let c = matchLines(r.reports[0], [
      ...tagFaultHead("slab-out-of-bounds", "kmalloc_oob_right", "Write", "fe"),
      ...dumpHead(TAINT_N),
      ...tagFaultTrace("kmalloc_oob_right"),
      ...ringTrack("Allocated by task 37:", KMALLOC_ALLOC, "kmalloc_oob_right"),
      ...objectLines("kmalloc-128", 128, "0 bytes to the right", 112),
      ...SLAB_PAGE,
      ...memoryState([fe, fe, objRow, fe, fe], 7),
      SEP,
    ]);
    expectRandomTag(ptag(c));
    expectObject(c, 112, 112);
    expect(px(c, "obj")).toBe(px(c, "row2"));
    expectRows(c, G, accessAddr(c));
    expectPfn(c, px(c, "obj"));
    const obj = px(c, "obj");
    // 3rd check: ptr[0] = ptr[size + 16 + 5] = ptr[128] — a load from the next object (never
    // allocated, 0xfe). nearest_obj = obj + 128; no ring entry has (obj + 128, T) ⇒
    // invalid-access, no stacks. Its tags are all 0xfe, so alloc_size falls back to
    // object_size: 0 bytes inside of a 128-byte region. Same row, caret under granule 8.
    c = matchLines(r.reports[1], [
      ...tagFaultHead("invalid-access", "kmalloc_oob_right", "Read", "fe"),
      ...dumpHead(TAINT_BN),
      ...tagFaultTrace("kmalloc_oob_right"),
      ...objectLines("kmalloc-128", 128, "0 bytes inside", 128),
      ...SLAB_PAGE,
      ...memoryState([fe, fe, objRow, fe, fe], 8),
      SEP,
    ]);
    expect(px(c, "obj")).toBe(obj + 128n);
    expectObject(c, 128, 0);
    expectRows(c, G, accessAddr(c));
  });

  it("kmalloc_oob_right, kasan.mode=async: two 'Asynchronous fault' reports, no address details", () => {
    const r = runCase("hw_tags", "kmalloc_oob_right", { cmdline: "kasan.mode=async" });
    // Tag modes run two of the three checks (the byte-precise one is Generic only). The harness's
    // kasan_force_async_fault() checks TFSR_EL1 from the test function, so the report's trace is
    // kasan_report_async ← mte_check_tfsr_el1 ← kasan_force_async_fault ← the case.
    expect(r.reports).toHaveLength(2);
    const report = (taint: string) => [
      SEP,
      "BUG: KASAN: invalid-access",
      "Asynchronous fault: no details available",
      "",
      ...dumpHead(taint),
      frame("kasan_report_async"),
      frame("mte_check_tfsr_el1"),
      frame("kasan_force_async_fault"),
      frame("kmalloc_oob_right", true),
      ...KTHREAD,
      SEP,
    ];
    matchLines(r.reports[0], report(TAINT_N));
    matchLines(r.reports[1], report(TAINT_BN));
  });
});
