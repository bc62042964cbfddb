/**
 * Golden reports, HW_TAGS: the cases whose one expectation yields two reports
 * (kmalloc_double_kzfree), the asymmetric check mode (kasan.mode=asymm) and stack collection
 * switched off (kasan.stacktrace=off).
 *
 * kasan.stacktrace=off (mm/kasan/tags.c): kasan_init_tags() allocates no stack ring and no
 * alloc/free stack is saved, so report_tags.c's ring walk finds nothing: every access report
 * falls back to get_common_bug_type() = invalid-access, describe_object() prints no stacks, and
 * frees keep their invalid-free / double-free type. Everything else (tags, alloc_size from the
 * memory tags, page, memory state) is unchanged.
 */
import { describe, expect, it } from "vitest";
import { dumpHead, expectRows, frame, KTHREAD, matchLines, memoryState, px, rep, runCase, SEP, TAINT_BN, TAINT_N } from "./golden-match.js";
import { accessAddr, expectObject, G, KFREE, KMALLOC_ALLOC, objectLines, ringTrack, SLAB_PAGE, tagFaultHead, tagFaultTrace } from "./hw-tags-golden.js";

const FE = rep("fe", 16);
const OFF = { cmdline: "kasan.stacktrace=off" };

describe("HW_TAGS golden reports: multi-report, asymm, stacktrace=off", () => {
  it("kmalloc_double_kzfree: ksize's kasan_check_byte reports slab-use-after-free, then kfree reports double-free", () => {
    const r = runCase("hw_tags", "kmalloc_double_kzfree");
    // kmalloc(16) → kmalloc-16; kfree_sensitive(ptr) frees it (granule 0xfe). The second
    // kfree_sensitive(ptr) inside one KUNIT_EXPECT_KASAN_FAIL: (1) ksize() → kasan_check_byte →
    // __kasan_check_byte: the byte is not accessible ⇒ kasan_report(ptr, 1, read, _RET_IP_ =
    // ksize's return address in kfree_sensitive): "Read of size 1", no tag fault involved;
    // ksize returns 0, so no zeroing; (2) kfree(ptr) → kasan_slab_pre_free ⇒ double-free, ip =
    // kfree's return address in kfree_sensitive. Both find the ring's free entry (the first
    // kfree_sensitive → kfree) and then the alloc entry.
    expect(r.reports).toHaveLength(2);
    const stacks = [
      ...ringTrack("Allocated by task 37:", KMALLOC_ALLOC, "kmalloc_double_kzfree"),
      // The first free went through kfree_sensitive too.
      "Freed by task 37:",
      ...[...KFREE, "kfree_sensitive"].map((f) => frame(f)),
      frame("kmalloc_double_kzfree", true),
      ...KTHREAD,
      "",
    ];
    // Fresh kmalloc-16 slab: the object opens the row, all 0xfe around; 0 bytes inside the
    // 16-byte region (alloc_size fallback: the only granule is 0xfe).
    const tail = [...objectLines("kmalloc-16", 16, "0 bytes inside", 16), ...SLAB_PAGE, ...memoryState([FE, FE, FE, FE, FE], 0), SEP];
    let c = matchLines(r.reports[0], [
      SEP,
      "BUG: KASAN: slab-use-after-free in kfree_sensitive+0x{hex:ksize_ret}/0x{hex:size_kfree_sensitive}",
      "Read of size 1 at addr {tag:ptag}ff{hex:a} by task kunit_try_catch/37",
      "Pointer tag: [{tag:ptag}], memory tag: [fe]",
      "",
      ...dumpHead(TAINT_N),
      frame("print_report"),
      frame("kasan_report"),
      frame("__kasan_check_byte"),
      frame("ksize"),
      " kfree_sensitive+0x{hex:ksize_ret}/0x{hex:size_kfree_sensitive}",
      frame("kmalloc_double_kzfree", true),
      ...KTHREAD,
      "",
      ...stacks,
      ...tail,
    ]);
    expectObject(c, 16, 0);
    expectRows(c, G, accessAddr(c));
    c = matchLines(
      r.reports[1],
      [
        SEP,
        "BUG: KASAN: double-free in kfree_sensitive+0x{hex:kfree_ret}/0x{hex:size_kfree_sensitive}",
        "Free of addr {tag:ptag}ff{hex:a} by task kunit_try_catch/37",
        "Pointer tag: [{tag:ptag}], memory tag: [fe]",
        "",
        ...dumpHead(TAINT_BN),
        frame("print_report"),
        frame("kasan_report_invalid_free"),
        frame("__kasan_slab_pre_free"),
        frame("kfree"),
        " kfree_sensitive+0x{hex:kfree_ret}/0x{hex:size_kfree_sensitive}",
        frame("kmalloc_double_kzfree", true),
        ...KTHREAD,
        "",
        ...stacks,
        ...tail,
      ],
      { ptag: c.ptag, a: c.a, obj: c.obj },
    );
    // The double-free's ip is kfree_sensitive's call of kfree: the same return address the
    // first free's stack shows under kfree.
    const freedAt = r.reports[1].indexOf("Freed by task 37:");
    expect(r.reports[1][freedAt + 5]).toBe(` kfree_sensitive+0x${c.kfree_ret}/0x${c.size_kfree_sensitive}`);
  });

  it("kmalloc_oob_right, kasan.mode=asymm: the store is checked asynchronously, the load synchronously", () => {
    const r = runCase("hw_tags", "kmalloc_oob_right", { cmdline: "kasan.mode=asymm" });
    // Asymmetric mode (SCTLR_EL1.TCF = ASYMM): reads fault synchronously, writes set TFSR_EL1.
    // 2nd check ptr[112] = 'y' is a store ⇒ the harness's kasan_force_async_fault() finds TF1 ⇒
    // the async report. 3rd check reads ptr[128] ⇒ sync fault with full details, as in sync mode
    // (invalid-access in the never-allocated next object; the harness re-armed nothing here
    // since async faults do not disable checking).
    expect(r.reports).toHaveLength(2);
    matchLines(r.reports[0], [
      SEP,
      "BUG: KASAN: invalid-access",
      "Asynchronous fault: no details available",
      "",
      ...dumpHead(TAINT_N),
      frame("kasan_report_async"),
      frame("mte_check_tfsr_el1"),
      frame("kasan_force_async_fault"),
      frame("kmalloc_oob_right", true),
      ...KTHREAD,
      SEP,
    ]);
    const c = matchLines(r.reports[1], [
      ...tagFaultHead("invalid-access", "kmalloc_oob_right", "Read", "fe"),
      ...dumpHead(TAINT_BN),
      ...tagFaultTrace("kmalloc_oob_right"),
      ...objectLines("kmalloc-128", 128, "0 bytes inside", 128),
      ...SLAB_PAGE,
      ...memoryState([FE, FE, `${rep("{tag:ptag}", 7)} ${rep("fe", 9)}`, FE, FE], 8),
      SEP,
    ]);
    expectObject(c, 128, 0);
    expect(px(c, "obj") - px(c, "row2")).toBe(128n);
    expectRows(c, G, accessAddr(c));
  });

  it("kmalloc_oob_right, kasan.stacktrace=off: both reports invalid-access, no Allocated by", () => {
    const r = runCase("hw_tags", "kmalloc_oob_right", OFF);
    expect(r.reports).toHaveLength(2);
    // Same accesses, tags and regions as in sync mode (hw-tags-reports.test.ts); the empty ring
    // turns the store into the kmalloc redzone into invalid-access too.
    const objRow = `${rep("{tag:ptag}", 7)} ${rep("fe", 9)}`;
    let c = matchLines(r.reports[0], [
      ...tagFaultHead("invalid-access", "kmalloc_oob_right", "Write", "fe"),
      ...dumpHead(TAINT_N),
      ...tagFaultTrace("kmalloc_oob_right"),
      ...objectLines("kmalloc-128", 128, "0 bytes to the right", 112),
      ...SLAB_PAGE,
      ...memoryState([FE, FE, objRow, FE, FE], 7),
      SEP,
    ]);
    expectObject(c, 112, 112);
    expectRows(c, G, accessAddr(c));
    c = matchLines(r.reports[1], [
      ...tagFaultHead("invalid-access", "kmalloc_oob_right", "Read", "fe"),
      ...dumpHead(TAINT_BN),
      ...tagFaultTrace("kmalloc_oob_right"),
      ...objectLines("kmalloc-128", 128, "0 bytes inside", 128),
      ...SLAB_PAGE,
      ...memoryState([FE, FE, objRow, FE, FE], 8),
      SEP,
    ]);
    expectObject(c, 128, 0);
    expectRows(c, G, accessAddr(c));
  });

  it("kmalloc_uaf, kasan.stacktrace=off: invalid-access instead of slab-use-after-free, no stacks", () => {
    const r = runCase("hw_tags", "kmalloc_uaf", OFF);
    expect(r.reports).toHaveLength(1);
    // kmalloc(10) → kmalloc-16, kfree, read ptr[8]: 8 bytes inside the freed 16-byte object.
    const c = matchLines(r.reports[0], [
      ...tagFaultHead("invalid-access", "kmalloc_uaf", "Read", "fe"),
      ...dumpHead(TAINT_N),
      ...tagFaultTrace("kmalloc_uaf"),
      ...objectLines("kmalloc-16", 16, "8 bytes inside", 16),
      ...SLAB_PAGE,
      ...memoryState([FE, FE, FE, FE, FE], 0),
      SEP,
    ]);
    expectObject(c, 16, 8);
    expectRows(c, G, accessAddr(c));
  });

  it("kmem_cache_double_free, kasan.stacktrace=off: still double-free (decided before the ring), no stacks", () => {
    const r = runCase("hw_tags", "kmem_cache_double_free", OFF);
    expect(r.reports).toHaveLength(1);
    // complete_report_info() sets the bug type from the report type (DOUBLE_FREE) first; the
    // empty ring only removes the Allocated/Freed sections.
    const c = matchLines(r.reports[0], [
      SEP,
      "BUG: KASAN: double-free in kmem_cache_double_free+0x{hex}/0x{hex:size_kmem_cache_double_free} [kasan_test]",
      "Free of addr {tag:ptag}ff{hex:a} by task kunit_try_catch/37",
      "Pointer tag: [{tag:ptag}], memory tag: [fe]",
      "",
      ...dumpHead(TAINT_N),
      frame("print_report"),
      frame("kasan_report_invalid_free"),
      frame("__kasan_slab_pre_free"),
      frame("kmem_cache_free"),
      frame("kmem_cache_double_free", true),
      ...KTHREAD,
      "",
      ...objectLines("test_cache", 200, "0 bytes inside", 200),
      ...SLAB_PAGE,
      ...memoryState([FE, FE, FE, FE, FE], 0),
      SEP,
    ]);
    expectObject(c, 200, 0);
    expectRows(c, G, accessAddr(c));
  });
});
