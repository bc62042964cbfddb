/**
 * Golden reports, Generic KASAN, part 2: the bug types beyond slab OOB/UAF (out-of-bounds from a
 * wrapping size, use-after-free of pages, vmalloc- and alloca-out-of-bounds, double-free,
 * invalid-free), the KASAN entry points that are not compiler checks (the mem* interceptors,
 * kasan_check_byte() in ksize, the free hooks), page-backed kmalloc, aux stacks, and
 * kasan.stacktrace=off. Each report is derived from mm/kasan/report.c / report_generic.c /
 * generic.c / shadow.c, mm/debug.c and the case in mm/kasan/kasan_test_c.c; patterns only for
 * addresses, with their relationships checked.
 *
 * Frames: `_RET_IP_` inside an __always_inline KASAN wrapper is the return address of the
 * function the wrapper is inlined into, so the "in <ip>" of a report is the caller of that
 * function: __asan_memmove's caller, kfree_sensitive for ksize()'s kasan_check_byte(), kfree for
 * free_large_kmalloc()'s kasan_kfree_large().
 */
import { describe, expect, it } from "vitest";
import { defaultKernelConfig } from "../../../config/kconfig.js";
import {
  compoundPage,
  dumpHead,
  expectRows,
  frame,
  KTHREAD,
  matchLines,
  memoryState,
  plainPage,
  px,
  rep,
  runCase,
  SEP,
  slabPage,
  structPage,
  TAINT_BN,
  TAINT_N,
  track,
} from "./golden-match.js";

const G = 8;
const CLANG_STACK = { config: { ...defaultKernelConfig("generic", "clang"), kasanStack: true } };
const KMALLOC_ALLOC = ["kasan_save_stack", "kasan_save_track", "__kasan_kmalloc", "__kmalloc_cache_noprof"];
const KFREE = ["kasan_save_stack", "kasan_save_track", "kasan_save_free_info", "__kasan_slab_free", "kfree"];
const FC = rep("fc", 16);
const FF = rep("ff", 16);
const ZERO = rep("00", 16);

/** A report's head: separator, BUG line, access line, blank, the stack dump's first lines. */
function head(bug: string, access: string, taint = TAINT_N): string[] {
  return [SEP, `BUG: KASAN: ${bug}`, `${access} by task kunit_try_catch/37`, "", ...dumpHead(taint)];
}

describe("Generic golden reports: other bug types and entry points", () => {
  it("kmalloc_memmove_negative_size: out-of-bounds from __asan_memmove's wrapping size", () => {
    const r = runCase("generic", "kmalloc_memmove_negative_size");
    expect(r.reports).toHaveLength(1);
    // memmove(ptr, ptr + 4, (size_t)-2) on kmalloc(64): __asan_memmove checks the source first,
    // kasan_check_range(ptr + 4, 2^64 − 2, read): addr + size wraps ⇒ kasan_report at once and
    // report_generic.c names it "out-of-bounds" (size printed as size_t: 2^64 − 2).
    // kasan_find_first_bad_addr's loop (p < addr + size) never runs: first bad = ptr + 4.
    // describe_object_addr: 4 bytes inside; no region-state word (only slab-OOB/UAF get one);
    // alloc_size: 8 granules of 00 = 64 = object_size.
    const c = matchLines(r.reports[0], [
      ...head("out-of-bounds in kmalloc_memmove_negative_size+0x{hex:ip}/0x{hex:size_case} [kasan_test]", `Read of size ${2n ** 64n - 2n} at addr {px:addr}`),
      frame("print_report"),
      frame("kasan_report"),
      frame("kasan_check_range"),
      frame("__asan_memmove"),
      " kmalloc_memmove_negative_size+0x{hex:ip}/0x{hex:size_case} [kasan_test]",
      ...KTHREAD,
      "",
      ...track("Allocated by task 37:", KMALLOC_ALLOC, "kmalloc_memmove_negative_size"),
      "The buggy address belongs to the object at {px:obj}",
      " which belongs to the cache kmalloc-64 of size 64",
      "The buggy address is located 4 bytes inside of",
      " 64-byte region [{px:obj}, {px:end})",
      "",
      ...slabPage(false),
      // The object opens a fresh kmalloc-64 slab (obj = row2): 8 × 00, then its 32-byte redzone
      // and the never-allocated next slots (kasan_poison_slab: fc); the page below is slab too.
      ...memoryState([FC, FC, `${rep("00", 8)} ${rep("fc", 8)}`, FC, FC], 0),
      SEP,
    ]);
    expect(px(c, "addr") - px(c, "obj")).toBe(4n);
    expect(px(c, "end") - px(c, "obj")).toBe(64n);
    expect(px(c, "obj")).toBe(px(c, "row2"));
    expectRows(c, G, px(c, "addr"));
  });

  it("kmalloc_oob_in_memset: __asan_memset's range check, first bad granule inside the range", () => {
    const r = runCase("generic", "kmalloc_oob_in_memset");
    expect(r.reports).toHaveLength(1);
    // kmalloc(128 − 8 = 120) → kmalloc-128: 15 × 00, granule 15 = fc. memset(ptr, 0, 128) →
    // kasan_check_range(ptr, 128, write) → memory_is_poisoned_n; "Write of size 128 at addr ptr";
    // first bad = first granule with non-zero shadow = ptr + 120 (fc ⇒ slab-out-of-bounds).
    // Location uses the access address: 0 bytes inside the allocated 120-byte region.
    const c = matchLines(r.reports[0], [
      ...head("slab-out-of-bounds in kmalloc_oob_in_memset+0x{hex:ip}/0x{hex:size_case} [kasan_test]", "Write of size 128 at addr {px:addr}"),
      frame("print_report"),
      frame("kasan_report"),
      frame("kasan_check_range"),
      frame("__asan_memset"),
      " kmalloc_oob_in_memset+0x{hex:ip}/0x{hex:size_case} [kasan_test]",
      ...KTHREAD,
      "",
      ...track("Allocated by task 37:", KMALLOC_ALLOC, "kmalloc_oob_in_memset"),
      "The buggy address belongs to the object at {px:obj}",
      " which belongs to the cache kmalloc-128 of size 128",
      "The buggy address is located 0 bytes inside of",
      " allocated 120-byte region [{px:obj}, {px:end})",
      "",
      ...slabPage(false),
      // Guilty row = round_down(ptr + 120, 128) = the object; caret under granule 15.
      ...memoryState([FC, FC, `${rep("00", 15)} fc`, FC, FC], 15),
      SEP,
    ]);
    expect(px(c, "addr")).toBe(px(c, "obj"));
    expect(px(c, "end") - px(c, "obj")).toBe(120n);
    expectRows(c, G, px(c, "obj") + 120n);
  });

  it("kmalloc_double_kzfree: ksize()'s kasan_check_byte, then double-free, both in kfree_sensitive", () => {
    const r = runCase("generic", "kmalloc_double_kzfree");
    expect(r.reports).toHaveLength(2);
    // kmalloc(16) → kmalloc-16; the first kfree_sensitive: ksize 16, unpoison, zero, kfree (fa fb).
    // The second: ksize() → kasan_check_byte(ptr) (inline, _RET_IP_ = ksize's return address in
    // kfree_sensitive) → __kasan_check_byte → kasan_report(ptr, 1, read): shadow fa ⇒
    // slab-use-after-free. ksize returns 0, so kfree(ptr) → slab_free_hook → kasan_slab_pre_free
    // (inline in kfree: _RET_IP_ in kfree_sensitive) → double-free. Free meta valid (fa) ⇒ both
    // reports print the free stack, whose kfree was called from kfree_sensitive too.
    const stacks = [
      ...track("Allocated by task 37:", KMALLOC_ALLOC, "kmalloc_double_kzfree"),
      "Freed by task 37:",
      ...KFREE.map((f) => frame(f)),
      " kfree_sensitive+0x{hex:kfree_site}/0x{hex:size_kfree_sensitive}",
      frame("kmalloc_double_kzfree", true),
      ...KTHREAD,
      "",
    ];
    const object = (state: string) => [
      "The buggy address belongs to the object at {px:obj}",
      " which belongs to the cache kmalloc-16 of size 16",
      "The buggy address is located 0 bytes inside of",
      // alloc_size: first shadow byte fa ⇒ kasan_get_alloc_size() 0 ⇒ object_size 16.
      ` ${state}16-byte region [{px:obj}, {px:end})`,
      "",
    ];
    // The freed object opens the row: fa fb, then its 16-byte redzone and free slots (fc).
    const mem = memoryState([FC, FC, `fa fb ${rep("fc", 14)}`, FC, FC], 0);
    let c = matchLines(r.reports[0], [
      ...head("slab-use-after-free in kfree_sensitive+0x{hex:ksize_site}/0x{hex:size_kfree_sensitive}", "Read of size 1 at addr {px:obj}"),
      frame("print_report"),
      frame("kasan_report"),
      frame("__kasan_check_byte"),
      frame("ksize"),
      " kfree_sensitive+0x{hex:ksize_site}/0x{hex:size_kfree_sensitive}",
      frame("kmalloc_double_kzfree", true),
      ...KTHREAD,
      "",
      ...stacks,
      ...object("freed "),
      ...slabPage(false),
      ...mem,
      SEP,
    ]);
    expect(c.ksize_site).not.toBe(c.kfree_site);
    expect(px(c, "end") - px(c, "obj")).toBe(16n);
    expect(px(c, "obj")).toBe(px(c, "row2"));
    expectRows(c, G, px(c, "obj"));
    c = matchLines(
      r.reports[1],
      [
        ...head("double-free in kfree_sensitive+0x{hex:kfree_site}/0x{hex:size_kfree_sensitive}", "Free of addr {px:obj}", TAINT_BN),
        frame("print_report"),
        frame("kasan_report_invalid_free"),
        frame("__kasan_slab_pre_free"),
        frame("kfree"),
        " kfree_sensitive+0x{hex:kfree_site}/0x{hex:size_kfree_sensitive}",
        frame("kmalloc_double_kzfree", true),
        ...KTHREAD,
        "",
        ...stacks,
        // double-free: no region-state word.
        ...object(""),
        ...slabPage(false),
        ...mem,
        SEP,
      ],
      c,
    );
  });

  it("kmem_cache_double_free: double-free through kmem_cache_free, 200-byte object fa + 24 × fb", () => {
    const r = runCase("generic", "kmem_cache_double_free");
    expect(r.reports).toHaveLength(1);
    // kmem_cache_create("test_cache", 200, 0, 0): non-kmalloc cache, so the alloc stack comes
    // from __kasan_slab_alloc ← kmem_cache_alloc_noprof. The second kmem_cache_free: the object's
    // first byte is inaccessible (fa) ⇒ kasan_report_invalid_free(DOUBLE_FREE) from
    // __kasan_slab_pre_free (inline in kmem_cache_free: ip = its caller, the case).
    const c = matchLines(r.reports[0], [
      ...head("double-free in kmem_cache_double_free+0x{hex:ip}/0x{hex:size_case} [kasan_test]", "Free of addr {px:obj}"),
      frame("print_report"),
      frame("kasan_report_invalid_free"),
      frame("__kasan_slab_pre_free"),
      frame("kmem_cache_free"),
      " kmem_cache_double_free+0x{hex:ip}/0x{hex:size_case} [kasan_test]",
      ...KTHREAD,
      "",
      ...track("Allocated by task 37:", ["kasan_save_stack", "kasan_save_track", "__kasan_slab_alloc", "kmem_cache_alloc_noprof"], "kmem_cache_double_free"),
      ...track("Freed by task 37:", ["kasan_save_stack", "kasan_save_track", "kasan_save_free_info", "__kasan_slab_free", "kmem_cache_free"], "kmem_cache_double_free"),
      "The buggy address belongs to the object at {px:obj}",
      " which belongs to the cache test_cache of size 200",
      "The buggy address is located 0 bytes inside of",
      " 200-byte region [{px:obj}, {px:end})",
      "",
      ...slabPage(false),
      // 200 bytes = 25 granules: fa + 24 × fb = one full row (fa + 15 fb) and 9 fb + 7 fc
      // (the 64-byte redzone of a 200-byte object, then unallocated slots).
      ...memoryState([FC, FC, `fa ${rep("fb", 15)}`, `${rep("fb", 9)} ${rep("fc", 7)}`, FC], 0),
      SEP,
    ]);
    expect(px(c, "end") - px(c, "obj")).toBe(200n);
    expectRows(c, G, px(c, "obj"));
  });

  it("kmalloc_large_invalid_free: invalid-free in kfree (free_large_kmalloc's kasan_kfree_large), compound page dump", () => {
    const r = runCase("generic", "kmalloc_large_invalid_free");
    expect(r.reports).toHaveLength(1);
    // kmalloc(8192 + 10 = 8202) > KMALLOC_MAX_CACHE_SIZE → order-2 compound block. kfree(ptr + 1):
    // not a slab folio → free_large_kmalloc → kasan_kfree_large (inline: _RET_IP_ = its return
    // address in kfree) → ptr ≠ page_address(head) ⇒ invalid-free. No slab object ⇒ no stacks;
    // the page is virt_to_head_page(ptr + 1).
    const c = matchLines(r.reports[0], [
      ...head("invalid-free in kfree+0x{hex:kfree_site}/0x{hex:size_kfree}", "Free of addr {px:addr}"),
      frame("print_report"),
      frame("kasan_report_invalid_free"),
      frame("__kasan_kfree_large"),
      frame("free_large_kmalloc"),
      " kfree+0x{hex:kfree_site}/0x{hex:size_kfree}",
      frame("kmalloc_large_invalid_free", true),
      ...KTHREAD,
      "",
      ...compoundPage(2),
      // first bad = ptr + 1; the block (page aligned) opens the guilty row: allocated 00; the
      // memory below the block is free in the buddy allocator (ff: KASAN_PAGE_FREE).
      ...memoryState([FF, FF, ZERO, ZERO, ZERO], 0),
      SEP,
    ]);
    expect(px(c, "addr") - px(c, "row2")).toBe(1n);
    // page_address(pfn) = PAGE_OFFSET + (pfn − 0x40000) · 4 KiB on QEMU virt (RAM at 1 GiB).
    expect(px(c, "row2")).toBe(0xffff000000000000n + (BigInt(`0x${c.pfn}`) - 0x40000n) * 4096n);
    expect(px(c, "head1")).toBe(structPage(BigInt(`0x${c.pfn}`)) | 1n);
    expectRows(c, G, px(c, "addr"));
  });

  it("kmalloc_large_oob_right: slab-out-of-bounds from the page redzone (fe) after the partial granule", () => {
    const r = runCase("generic", "kmalloc_large_oob_right");
    expect(r.reports).toHaveLength(1);
    // kasan_kmalloc_large(ptr, 8202): [0, 8200) 00, granule 1025 = 02 (8202 − 8200), then
    // KASAN_PAGE_REDZONE (fe) from round_up(8202, 8) = 8208 to the end of the 16 KiB block.
    // ptr[8202]: byte 2 of a 02 granule ⇒ bad; partial value ⇒ next shadow fe ⇒ slab-out-of-bounds.
    // Not a slab object: no stacks, the compound head page is dumped.
    const c = matchLines(r.reports[0], [
      ...head("slab-out-of-bounds in kmalloc_large_oob_right+0x{hex:ip}/0x{hex:size_case} [kasan_test]", "Write of size 1 at addr {px:addr}"),
      frame("print_report"),
      frame("kasan_report"),
      frame("__asan_report_store1_noabort"),
      " kmalloc_large_oob_right+0x{hex:ip}/0x{hex:size_case} [kasan_test]",
      ...KTHREAD,
      "",
      ...compoundPage(2),
      // Guilty row = ptr + 8192; ptr + 8202 is granule (8202 − 8192) / 8 = 1.
      ...memoryState([ZERO, ZERO, `00 02 ${rep("fe", 14)}`, rep("fe", 16), rep("fe", 16)], 1),
      SEP,
    ]);
    expect(px(c, "addr") - px(c, "row2")).toBe(10n);
    expect(px(c, "row2")).toBe(0xffff000000000000n + (BigInt(`0x${c.pfn}`) - 0x40000n) * 4096n + 8192n);
    expectRows(c, G, px(c, "addr"));
  });

  it("kmalloc_large_uaf: use-after-free (ff) of a freed page-backed kmalloc, page on a PCP list", () => {
    const r = runCase("generic", "kmalloc_large_uaf");
    expect(r.reports).toHaveLength(1);
    // kfree → free_large_kmalloc → __free_pages → free_pages_prepare → kasan_poison_pages: the
    // 16 KiB block becomes KASAN_PAGE_FREE (ff) ⇒ "use-after-free". Order 2 ≤ PAGE_ALLOC_COSTLY_ORDER
    // ⇒ the block sits on a per-CPU list, not in the buddy lists: no page_type, PG_head cleared,
    // refcount 0, _mapcount −1.
    const c = matchLines(r.reports[0], [
      ...head("use-after-free in kmalloc_large_uaf+0x{hex:ip}/0x{hex:size_case} [kasan_test]", "Read of size 1 at addr {px:addr}"),
      frame("print_report"),
      frame("kasan_report"),
      frame("__asan_report_load1_noabort"),
      " kmalloc_large_uaf+0x{hex:ip}/0x{hex:size_case} [kasan_test]",
      ...KTHREAD,
      "",
      "The buggy address belongs to the physical page:",
      "page: refcount:0 mapcount:0 mapping:0000000000000000 index:0x0 pfn:0x{hex:pfn}",
      "flags: 0x0(node=0|zone=0)",
      "raw: 0000000000000000 {px} {px} {px}",
      "raw: {px} {px} 00000000ffffffff {px}",
      "page dumped because: kasan: bad access detected",
      "",
      ...memoryState([FF, FF, FF, FF, FF], 0),
      SEP,
    ]);
    expect(px(c, "addr")).toBe(0xffff000000000000n + (BigInt(`0x${c.pfn}`) - 0x40000n) * 4096n);
    expectRows(c, G, px(c, "addr"));
  });

  it("page_alloc_uaf: use-after-free of an order-4 block merged into a free buddy block", () => {
    const r = runCase("generic", "page_alloc_uaf");
    expect(r.reports).toHaveLength(1);
    // alloc_pages(GFP_KERNEL, 4), free_pages, read ptr[0]: ff ⇒ use-after-free. Order 4 > 3 goes
    // straight to the buddy lists: PageBuddy (page_type f0 in the top byte of word 6 with
    // refcount 0) and page->private = the merged block's order, which heads at this pfn.
    const c = matchLines(r.reports[0], [
      ...head("use-after-free in page_alloc_uaf+0x{hex:ip}/0x{hex:size_case} [kasan_test]", "Read of size 1 at addr {px:addr}"),
      frame("print_report"),
      frame("kasan_report"),
      frame("__asan_report_load1_noabort"),
      " page_alloc_uaf+0x{hex:ip}/0x{hex:size_case} [kasan_test]",
      ...KTHREAD,
      "",
      "The buggy address belongs to the physical page:",
      "page: refcount:0 mapcount:0 mapping:0000000000000000 index:0x0 pfn:0x{hex:pfn}",
      "flags: 0x0(node=0|zone=0)",
      "page_type: f0(buddy)",
      "raw: 0000000000000000 {px} {px} {px}",
      "raw: {px} {px:order} 00000000f0000000 {px}",
      "page dumped because: kasan: bad access detected",
      "",
      ...memoryState([FF, FF, FF, FF, FF], 0),
      SEP,
    ]);
    const pfn = BigInt(`0x${c.pfn}`);
    const order = px(c, "order");
    expect(order >= 4n && order <= 10n).toBe(true);
    expect(pfn % 2n ** order).toBe(0n);
    expect(px(c, "addr")).toBe(0xffff000000000000n + (pfn - 0x40000n) * 4096n);
    expectRows(c, G, px(c, "addr"));
  });

  it("vmalloc_oob: two vmalloc-out-of-bounds reports (partial granule 03, then f8), virtual mapping block", () => {
    const r = runCase("generic", "vmalloc_oob");
    expect(r.reports).toHaveLength(2);
    // vmalloc(PAGE_SIZE / 2 − 8 − 5 = 2035): kasan_unpoison_vmalloc: 254 × 00, granule 254 = 03;
    // the rest of the page keeps KASAN_VMALLOC_INVALID (f8) from kasan_populate_vmalloc.
    // 1st: v[2035] → byte 3 of a 03 granule ⇒ next shadow f8 ⇒ vmalloc-out-of-bounds.
    // 2nd: v[2040] → f8. Both: guilty row = v + round_down(2035, 128) = v + 1920; caret at
    // granule 14, then 15. The area: one page + the guard page (0x2000), caller = vmalloc()'s
    // return address in the case. The backing page is order-0, untyped, refcount 1.
    const report = (taint: string, g: number) => [
      ...head("vmalloc-out-of-bounds in vmalloc_oob+0x{hex}/0x{hex:size_case} [kasan_test]", "Read of size 1 at addr {px:addr}", taint),
      frame("print_report"),
      frame("kasan_report"),
      frame("__asan_report_load1_noabort"),
      frame("vmalloc_oob", true),
      ...KTHREAD,
      "",
      "The buggy address belongs to the virtual mapping at",
      " [{px:vm}, {px:vmend}) created by:",
      " vmalloc_oob+0x{hex:caller}/0x{hex:size_case} [kasan_test]",
      "",
      ...plainPage(),
      ...memoryState([ZERO, ZERO, `${rep("00", 14)} 03 f8`, rep("f8", 16), rep("f8", 16)], g),
      SEP,
    ];
    let c = matchLines(r.reports[0], report(TAINT_N, 14));
    expect(px(c, "addr") - px(c, "vm")).toBe(2035n);
    expect(px(c, "vmend") - px(c, "vm")).toBe(0x2000n);
    expect(px(c, "row2") - px(c, "vm")).toBe(1920n);
    expectRows(c, G, px(c, "addr"));
    const first = { ...c };
    delete first.addr;
    c = matchLines(r.reports[1], report(TAINT_BN, 15), first);
    expect(px(c, "addr") - px(c, "vm")).toBe(2040n);
  });

  it("kasan_alloca_oob_left (clang, KASAN_STACK): alloca-out-of-bounds, left redzone ca", () => {
    const r = runCase("generic", "kasan_alloca_oob_left", CLANG_STACK);
    expect(r.reports).toHaveLength(1);
    // char alloca_array[10] (volatile size): __asan_alloca_poison(A, 10), A 32-aligned:
    // [A − 32, A) ca × 4; [A, A + 8) 00; [A + 8, A + 16) 02; [A + 16, A + 64) cb × 6
    // (padding 32 − 16 plus the 32-byte right redzone). The frame of the case lies above:
    // f1 × 4, 'i' (int) 04 f2 f2 f2, 'array' (pointer) 00 f3 f3 f3. Read A[−1] ⇒ ca ⇒
    // alloca-out-of-bounds. get_address_stack_frame_info() walks down from A − 1 for a
    // KASAN_STACK_LEFT byte and finds none below ⇒ only the task line is printed.
    const c = matchLines(r.reports[0], [
      ...head("alloca-out-of-bounds in kasan_alloca_oob_left+0x{hex:ip}/0x{hex:size_case} [kasan_test]", "Read of size 1 at addr {px:addr}"),
      frame("print_report"),
      frame("kasan_report"),
      frame("__asan_report_load1_noabort"),
      " kasan_alloca_oob_left+0x{hex:ip}/0x{hex:size_case} [kasan_test]",
      ...KTHREAD,
      "",
      "The buggy address belongs to stack of task kunit_try_catch/37",
      "",
      "The buggy address belongs to the virtual mapping at",
      " [{px:vm}, {px:vmend}) created by:",
      frame("dup_task_struct"),
      "",
      ...plainPage(),
      // A = row2 + 96: granules 8..11 ca, 12 = 00, 13 = 02, 14..15 cb; next row: 4 × cb, frame.
      ...memoryState([ZERO, ZERO, `${rep("00", 8)} ca ca ca ca 00 02 cb cb`, "cb cb cb cb f1 f1 f1 f1 04 f2 f2 f2 00 f3 f3 f3", ZERO], 11),
      SEP,
    ]);
    const a = px(c, "addr") + 1n;
    expect(a % 32n).toBe(0n);
    expect(a - px(c, "row2")).toBe(96n);
    // VMAP stack: THREAD_SIZE 32 KiB (KASAN doubles it) + guard page.
    expect(px(c, "vmend") - px(c, "vm")).toBe(0x9000n);
    expectRows(c, G, px(c, "addr"));
  });

  it("workqueue_uaf: slab-use-after-free, freed by the kworker, queue_work's aux stack", () => {
    const r = runCase("generic", "workqueue_uaf");
    expect(r.reports).toHaveLength(1);
    // work = kmalloc(sizeof(struct work_struct) = 32) → kmalloc-32; queue_work → queue_work_on →
    // __queue_work → insert_work → kasan_record_aux_stack_noalloc (tail call into
    // __kasan_record_aux_stack): aux_stack[0]. destroy_workqueue drains: the kworker runs
    // workqueue_uaf_work → kfree(work) (free stack of the kworker task). The case then reads
    // work->data (8 bytes at offset 0): fa ⇒ slab-use-after-free, freed 32-byte region.
    const c = matchLines(r.reports[0], [
      ...head("slab-use-after-free in workqueue_uaf+0x{hex:ip}/0x{hex:size_case} [kasan_test]", "Read of size 8 at addr {px:obj}"),
      frame("print_report"),
      frame("kasan_report"),
      frame("__asan_report_load8_noabort"),
      " workqueue_uaf+0x{hex:ip}/0x{hex:size_case} [kasan_test]",
      ...KTHREAD,
      "",
      ...track("Allocated by task 37:", KMALLOC_ALLOC, "workqueue_uaf"),
      "Freed by task {n:kworker}:",
      ...KFREE.map((f) => frame(f)),
      frame("workqueue_uaf_work", true),
      frame("process_one_work"),
      frame("worker_thread"),
      frame("kthread"),
      frame("ret_from_fork"),
      "",
      "Last potentially related work creation:",
      frame("kasan_save_stack"),
      frame("__kasan_record_aux_stack"),
      frame("insert_work"),
      frame("__queue_work"),
      frame("queue_work_on"),
      frame("workqueue_uaf", true),
      ...KTHREAD,
      "",
      "The buggy address belongs to the object at {px:obj}",
      " which belongs to the cache kmalloc-32 of size 32",
      "The buggy address is located 0 bytes inside of",
      " freed 32-byte region [{px:obj}, {px:end})",
      "",
      ...slabPage(false),
      // fa fb fb fb, the 16-byte redzone and free slots (fc).
      ...memoryState([FC, FC, `fa fb fb fb ${rep("fc", 12)}`, FC, FC], 0),
      SEP,
    ]);
    expect(c.kworker).not.toBe("37");
    expect(px(c, "end") - px(c, "obj")).toBe(32n);
    expectRows(c, G, px(c, "obj"));
  });

  it("kasan.stacktrace=off: a tag-mode switch; Generic keeps saving and printing alloc/free stacks", () => {
    // mm/kasan/tags.c owns kasan.stacktrace; Generic always records tracks in the per-object
    // metadata, so the kmalloc_uaf report is the same line for line with and without it.
    const off = runCase("generic", "kmalloc_uaf", { cmdline: "kasan.stacktrace=off" });
    const on = runCase("generic", "kmalloc_uaf");
    expect(off.reports).toHaveLength(1);
    expect(off.reports[0]).toEqual(on.reports[0]);
    expect(off.reports[0]).toContain("Allocated by task 37:");
    expect(off.reports[0]).toContain("Freed by task 37:");
  });

  it("kasan_atomics: READ_ONCE and WRITE_ONCE of a1 + 48 are compiler-checked 4-byte accesses", () => {
    const r = runCase("generic", "kasan_atomics");
    // 2 *_ONCE + 2 smp_{load_acquire,store_release} + 23 atomic_t + 23 atomic_long_t expectations.
    expect(r.reports).toHaveLength(50);
    // a1 = kzalloc(48) → kmalloc-64: 6 × 00 then fc; unsafe = a1 + 48 = granule 6 (fc) ⇒
    // slab-out-of-bounds, 0 bytes to the right of the allocated 48-byte region. The accesses
    // are made in kasan_atomics_helper(test, unsafe, safe).
    const report = (rw: string, stub: string, taint: string) => [
      ...head("slab-out-of-bounds in kasan_atomics_helper+0x{hex}/0x{hex:size_helper} [kasan_test]", `${rw} of size 4 at addr {px:addr}`, taint),
      frame("print_report"),
      frame("kasan_report"),
      frame(stub),
      " kasan_atomics_helper+0x{hex}/0x{hex:size_helper} [kasan_test]",
      frame("kasan_atomics", true),
      ...KTHREAD,
      "",
      ...track("Allocated by task 37:", KMALLOC_ALLOC, "kasan_atomics"),
      "The buggy address belongs to the object at {px:obj}",
      " which belongs to the cache kmalloc-64 of size 64",
      "The buggy address is located 0 bytes to the right of",
      " allocated 48-byte region [{px:obj}, {px:addr})",
      "",
      ...slabPage(false),
      ...memoryState([FC, FC, `${rep("00", 6)} ${rep("fc", 10)}`, FC, FC], 6),
      SEP,
    ];
    const c = matchLines(r.reports[0], report("Read", "__asan_report_load4_noabort", TAINT_N));
    expect(px(c, "addr") - px(c, "obj")).toBe(48n);
    expectRows(c, G, px(c, "addr"));
    matchLines(r.reports[1], report("Write", "__asan_report_store4_noabort", TAINT_BN), { addr: c.addr, obj: c.obj, size_helper: c.size_helper });
  });
});
