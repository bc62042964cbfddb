/**
 * Golden reports, SW_TAGS (granule 16, memory tags in the shadow, rows 256 bytes apart): each
 * KUnit case runs through the suite on a fresh kernel (seed 1) and every report is compared line
 * by line with an expectation derived from mm/kasan/report.c, report_sw_tags.c, report_tags.c,
 * sw_tags.c and the case's parameters (kasan-facts §7, §9.2, §2.8). Random tags are matched by
 * pattern ({tag:ptag}) and tied together: the pointer tag is the access address's top byte and
 * the object's granules in the memory state carry the same tag.
 * Facts used throughout:
 *  - kasan_find_first_bad_addr() steps 16 bytes from the access address while the granule's tag
 *    equals the pointer tag; the caret and the memory tag are those of that granule.
 *  - kasan_get_alloc_size() counts 16 per granule until the first 0xfe, else object_size; 0
 *    falls back to object_size in complete_report_info().
 *  - The bug type comes from the stack ring first (newest entry for object+tag+object_size: a
 *    free ⇒ slab-use-after-free, an alloc ⇒ slab-out-of-bounds), then get_common_bug_type():
 *    out-of-bounds if addr + size wraps, else invalid-access. Invalid/double free are preset.
 *  - Only Generic prints "allocated "/"freed " before the region size.
 * SW_TAGS has no asynchronous mode (kasan.mode= is HW_TAGS only); see hw-tags-reports.test.ts.
 */
import { describe, expect, it } from "vitest";
import { defaultKernelConfig } from "../../../config/kconfig.js";
import { dumpHead, frame, KTHREAD, matchLines, memoryState, px, rep, runCase, SEP, slabPage, TAINT_BN, TAINT_N, track } from "./golden-match.js";
import {
  CACHE_ALLOC,
  CACHE_FREE,
  caseTrace,
  checkByte,
  expectLinearPfn,
  expectPointerTag,
  G,
  header,
  interceptor,
  KFREE,
  KMALLOC_ALLOC,
  objectLines,
  pageTag,
  plainPage,
  preFree,
  TAG_MISMATCH,
  untagged,
} from "./sw_tags-golden.js";

const FE = rep("fe", 16);
/** Row offset of an untagged address inside its 256-byte memory-state row, in granules. */
const granuleInRow = (a: bigint) => Number((a % 256n) / 16n);
const OFF = { cmdline: "kasan.stacktrace=off" };

/** The five rows are 256 bytes apart and the guilty row holds the first bad address. */
function expectRowsAt(c: Record<string, string>, firstBad: bigint): void {
  const r = [0, 1, 2, 3, 4].map((i) => px(c, `row${i}`));
  for (let i = 1; i < 5; i++) expect(r[i] - r[i - 1]).toBe(BigInt(16 * G));
  expect(r[2]).toBe(firstBad - (firstBad % 256n));
}

describe("SW_TAGS golden reports", () => {
  it("kmalloc_oob_right: slab-out-of-bounds at [112], then invalid-access in the never-allocated neighbour", () => {
    const r = runCase("sw_tags", "kmalloc_oob_right");
    // Tag modes skip the byte-precise first check: two reports.
    expect(r.reports).toHaveLength(2);
    // kmalloc(128 − 16 − 5 = 107) → kmalloc-128; granules 0..6 (112 bytes) get the tag, granule 7
    // is the kmalloc redzone (fe). First object of a fresh slab page ⇒ it opens a row; the slot
    // after it was never allocated (fe), the page below is unused slab memory (fe).
    const objRow = `${rep("{tag:ptag}", 7)} ${rep("fe", 9)}`;
    const rows: [string, string, string, string, string] = [FE, FE, objRow, FE, FE];
    // 1st: ptr[size + 5] = ptr[112], 1-byte write → granule 7 (fe) ≠ tag. Ring: alloc entry ⇒
    // slab-out-of-bounds, Allocated by. alloc_size = 7·16 = 112 ⇒ 0 bytes to the right.
    const c = matchLines(r.reports[0], [
      SEP,
      ...header("slab-out-of-bounds", "kmalloc_oob_right+0x{hex}/0x{hex:size_kmalloc_oob_right} [kasan_test]", "Write of size 1 at addr {px:addr}", "fe"),
      ...dumpHead(TAINT_N),
      ...TAG_MISMATCH,
      ...caseTrace("kmalloc_oob_right"),
      ...track("Allocated by task 37:", KMALLOC_ALLOC, "kmalloc_oob_right"),
      ...objectLines("kmalloc-128", 128, "0 bytes to the right", 112),
      ...slabPage(true),
      ...memoryState(rows, 7),
      SEP,
    ]);
    expectPointerTag(c);
    expect(untagged(c, "addr") - px(c, "obj")).toBe(112n);
    expect(px(c, "end") - px(c, "obj")).toBe(112n);
    expect(px(c, "obj")).toBe(px(c, "row2"));
    expectRowsAt(c, untagged(c, "addr"));
    // 2nd: ptr[size + 16 + 5] = ptr[128], read → the next kmalloc-128 slot (never allocated, fe).
    // nearest_obj = obj + 128; no ring entry for it with this tag ⇒ invalid-access, no stacks;
    // alloc_size 0 → object_size 128; the access is its first byte ⇒ 0 bytes inside; granule 8.
    const c2 = matchLines(
      r.reports[1],
      [
        SEP,
        ...header("invalid-access", "kmalloc_oob_right+0x{hex}/0x{hex:size_kmalloc_oob_right} [kasan_test]", "Read of size 1 at addr {px:addr2}", "fe"),
        ...dumpHead(TAINT_BN),
        ...TAG_MISMATCH,
        ...caseTrace("kmalloc_oob_right"),
        "The buggy address belongs to the object at {px:obj2}",
        " which belongs to the cache kmalloc-128 of size 128",
        "The buggy address is located 0 bytes inside of",
        " 128-byte region [{px:obj2}, {px:end2})",
        "",
        ...slabPage(true),
        ...memoryState(rows, 8),
        SEP,
      ],
      { ptag: c.ptag },
    );
    expect(untagged(c2, "addr2")).toBe(px(c, "obj") + 128n);
    expect(px(c2, "obj2")).toBe(px(c, "obj") + 128n);
    expect(px(c2, "end2") - px(c2, "obj2")).toBe(128n);
    expect(px(c2, "row2")).toBe(px(c, "row2"));
  });

  it("kmalloc_oob_left: invalid-access, the byte below belongs to the last object of the previous slab page", () => {
    const r = runCase("sw_tags", "kmalloc_oob_left");
    expect(r.reports).toHaveLength(1);
    // kmalloc(15) → kmalloc-16, one granule tagged, first object of its slab page. *(ptr − 1) is
    // the last byte of the page below: a vmap_area slab page (boot allocations; 72-byte objects,
    // stride round_up(72, 16) = 80, 51 slots, the last at 50·80 = 0xfa0). nearest_obj() clamps
    // to that last slot; it is free (fe) ⇒ alloc_size 0 → 72; 0xfff − (0xfa0 + 72) = 23 to the
    // right. No ring entry with this tag ⇒ invalid-access. first bad = ptr − 1: granule 15 of its row.
    const c = matchLines(r.reports[0], [
      SEP,
      ...header("invalid-access", "kmalloc_oob_left+0x{hex}/0x{hex} [kasan_test]", "Read of size 1 at addr {px:addr}", "fe"),
      ...dumpHead(TAINT_N),
      ...TAG_MISMATCH,
      ...caseTrace("kmalloc_oob_left"),
      ...objectLines("vmap_area", 72, "23 bytes to the right", 72),
      ...slabPage(true),
      ...memoryState([FE, FE, FE, `{tag:ptag} ${rep("fe", 15)}`, FE], 15),
      SEP,
    ]);
    expectPointerTag(c);
    const a = untagged(c, "addr");
    expect(a % 4096n).toBe(4095n);
    expect(px(c, "obj")).toBe(a - 4095n + 0xfa0n);
    expect(px(c, "end") - px(c, "obj")).toBe(72n);
    expectRowsAt(c, a);
  });

  it("kmalloc_uaf: slab-use-after-free with alloc and free stacks from the ring", () => {
    const r = runCase("sw_tags", "kmalloc_uaf");
    expect(r.reports).toHaveLength(1);
    // kmalloc(10) → kmalloc-16; kfree retags its granule fe. Read ptr[8]: granule 0 (fe).
    // Ring, newest first: the free (⇒ slab-use-after-free), then the alloc. alloc_size 0 → 16.
    const c = matchLines(r.reports[0], [
      SEP,
      ...header("slab-use-after-free", "kmalloc_uaf+0x{hex}/0x{hex:size_kmalloc_uaf} [kasan_test]", "Read of size 1 at addr {px:addr}", "fe"),
      ...dumpHead(TAINT_N),
      ...TAG_MISMATCH,
      ...caseTrace("kmalloc_uaf"),
      ...track("Allocated by task 37:", KMALLOC_ALLOC, "kmalloc_uaf"),
      ...track("Freed by task 37:", KFREE, "kmalloc_uaf"),
      ...objectLines("kmalloc-16", 16, "8 bytes inside", 16),
      ...slabPage(true),
      ...memoryState([FE, FE, FE, FE, FE], 0),
      SEP,
    ]);
    expectPointerTag(c);
    expect(untagged(c, "addr") - px(c, "obj")).toBe(8n);
    expect(px(c, "obj")).toBe(px(c, "row2"));
    expectRowsAt(c, untagged(c, "addr"));
  });

  it("kmalloc_double_kzfree: ksize()'s kasan_check_byte (slab-use-after-free), then kfree's double-free", () => {
    const r = runCase("sw_tags", "kmalloc_double_kzfree");
    expect(r.reports).toHaveLength(2);
    // kmalloc(16) → kmalloc-16; kfree_sensitive frees it (granule fe). Second kfree_sensitive:
    // ksize() → kasan_check_byte(ptr) (inline) → __kasan_check_byte(ptr, _RET_IP_ = in
    // kfree_sensitive) → kasan_report(ptr, 1, read). ksize returns 0, then kfree(ptr) →
    // __kasan_slab_pre_free: not accessible ⇒ double-free, ip = kfree's return into kfree_sensitive.
    const stacks = [
      ...track("Allocated by task 37:", KMALLOC_ALLOC, "kmalloc_double_kzfree"),
      "Freed by task 37:",
      ...[...KFREE, "kfree_sensitive"].map((f) => frame(f)),
      frame("kmalloc_double_kzfree", true),
      ...KTHREAD,
      "",
    ];
    const tail = [...objectLines("kmalloc-16", 16, "0 bytes inside", 16), ...slabPage(true), ...memoryState([FE, FE, FE, FE, FE], 0), SEP];
    const c = matchLines(r.reports[0], [
      SEP,
      ...header("slab-use-after-free", "kfree_sensitive+0x{hex}/0x{hex:size_kfree_sensitive}", "Read of size 1 at addr {px:addr}", "fe"),
      ...dumpHead(TAINT_N),
      ...checkByte("ksize"),
      ...caseTrace("kmalloc_double_kzfree", ["kfree_sensitive"]),
      ...stacks,
      ...tail,
    ]);
    expectPointerTag(c);
    expect(untagged(c, "addr")).toBe(px(c, "obj"));
    // "Free of addr" is the freed pointer; the tags line is still printed (the address has shadow).
    const c2 = matchLines(
      r.reports[1],
      [
        SEP,
        "BUG: KASAN: double-free in kfree_sensitive+0x{hex}/0x{hex:size_kfree_sensitive}",
        "Free of addr {px:addr} by task kunit_try_catch/37",
        "Pointer tag: [{tag:ptag}], memory tag: [fe]",
        "",
        ...dumpHead(TAINT_BN),
        ...preFree("kfree"),
        ...caseTrace("kmalloc_double_kzfree", ["kfree_sensitive"]),
        ...stacks,
        ...tail,
      ],
      { ...c },
    );
    expect(px(c2, "row2")).toBe(px(c, "obj"));
  });

  it("kmem_cache_double_free: double-free from kmem_cache_free, both ring stacks", () => {
    const r = runCase("sw_tags", "kmem_cache_double_free");
    expect(r.reports).toHaveLength(1);
    // test_cache: 200-byte objects (stride 208), no ctor ⇒ fresh random tag per allocation.
    // First kmem_cache_free retags the 13 granules fe; the second one is caught by
    // __kasan_slab_pre_free (object start, but not accessible) ⇒ double-free.
    const c = matchLines(r.reports[0], [
      SEP,
      "BUG: KASAN: double-free in kmem_cache_double_free+0x{hex}/0x{hex:size_kmem_cache_double_free} [kasan_test]",
      "Free of addr {px:addr} by task kunit_try_catch/37",
      "Pointer tag: [{tag:ptag}], memory tag: [fe]",
      "",
      ...dumpHead(TAINT_N),
      ...preFree("kmem_cache_free"),
      ...caseTrace("kmem_cache_double_free"),
      ...track("Allocated by task 37:", CACHE_ALLOC, "kmem_cache_double_free"),
      ...track("Freed by task 37:", CACHE_FREE, "kmem_cache_double_free"),
      ...objectLines("test_cache", 200, "0 bytes inside", 200),
      ...slabPage(true),
      ...memoryState([FE, FE, FE, FE, FE], 0),
      SEP,
    ]);
    expectPointerTag(c);
    expect(untagged(c, "addr")).toBe(px(c, "obj"));
    expect(px(c, "end") - px(c, "obj")).toBe(200n);
    expectRowsAt(c, px(c, "obj"));
  });

  it("kmem_cache_invalid_free: invalid-free of p + 1 in a SLAB_TYPESAFE_BY_RCU cache", () => {
    const r = runCase("sw_tags", "kmem_cache_invalid_free");
    // The later proper free reports nothing.
    expect(r.reports).toHaveLength(1);
    // nearest_obj(p + 1) = p ≠ p + 1 ⇒ invalid-free; the object stays allocated: 13 granules
    // (round_up(200, 16) = 208 bytes) carry the tag, memory tag of p + 1 = the tag. The walk
    // finds no fe within object_size ⇒ alloc_size 200; 1 byte inside. Only an alloc entry.
    const c = matchLines(r.reports[0], [
      SEP,
      "BUG: KASAN: invalid-free in kmem_cache_invalid_free+0x{hex}/0x{hex:size_kmem_cache_invalid_free} [kasan_test]",
      "Free of addr {px:addr} by task kunit_try_catch/37",
      "Pointer tag: [{tag:ptag}], memory tag: [{tag:ptag}]",
      "",
      ...dumpHead(TAINT_N),
      ...preFree("kmem_cache_free"),
      ...caseTrace("kmem_cache_invalid_free"),
      ...track("Allocated by task 37:", CACHE_ALLOC, "kmem_cache_invalid_free"),
      ...objectLines("test_cache", 200, "1 bytes inside", 200),
      ...slabPage(true),
      ...memoryState([FE, FE, `${rep("{tag:ptag}", 13)} fe fe fe`, FE, FE], 0),
      SEP,
    ]);
    expectPointerTag(c);
    expect(untagged(c, "addr") - px(c, "obj")).toBe(1n);
    expectRowsAt(c, untagged(c, "addr"));
  });

  it("page_alloc_oob_right: invalid-access one byte past an order-4 block, page dump of the free buddy page", () => {
    const r = runCase("sw_tags", "page_alloc_oob_right");
    expect(r.reports).toHaveLength(1);
    // alloc_pages(order 4): 64 KiB tagged with one random tag (page tags set too). Read
    // ptr[65536]: the next page, free since boot (never tagged: page tag 0xff ⇒ kasantag 0x0,
    // shadow fe = KASAN_SHADOW_INIT). Not slab ⇒ no ring lookup ⇒ invalid-access, no object.
    // first bad = the page start: granule 0 of its row; the two rows above are the block's tail.
    const tagRow = rep("{tag:ptag}", 16);
    const c = matchLines(r.reports[0], [
      SEP,
      ...header("invalid-access", "page_alloc_oob_right+0x{hex}/0x{hex} [kasan_test]", "Read of size 1 at addr {px:addr}", "fe"),
      ...dumpHead(TAINT_N),
      ...TAG_MISMATCH,
      ...caseTrace("page_alloc_oob_right"),
      ...plainPage(0, "f0(buddy)"),
      ...memoryState([tagRow, tagRow, FE, FE, FE], 0),
      SEP,
    ]);
    expectPointerTag(c);
    const a = untagged(c, "addr");
    expect(a % 65536n).toBe(0n);
    expect(pageTag(c)).toBe(0xff);
    expectLinearPfn(c, "addr");
    expectRowsAt(c, a);
  });

  it("vmalloc_oob: invalid-access past a 2027-byte vmalloc, virtual mapping and backing page", () => {
    const r = runCase("sw_tags", "vmalloc_oob");
    expect(r.reports).toHaveLength(1);
    // vmalloc(4096/2 − 16 − 5 = 2027): kasan_unpoison_vmalloc tags round_up(2027, 16) = 2032
    // bytes (127 granules); the rest of the page keeps KASAN_VMALLOC_INVALID (fe). Read
    // v_ptr[size + 5] = [2032] = granule 127 = row 7 (offset 0x700), granule 15. The area is one
    // page + guard page (0x2000), created by the case (vmalloc's caller). The backing page has its
    // own page_alloc tag (vmalloc does not retag pages under SW_TAGS). No slab ⇒ invalid-access.
    const tagRow = rep("{tag:ptag}", 16);
    const c = matchLines(r.reports[0], [
      SEP,
      ...header("invalid-access", "vmalloc_oob+0x{hex}/0x{hex:size_vmalloc_oob} [kasan_test]", "Read of size 1 at addr {px:addr}", "fe"),
      ...dumpHead(TAINT_N),
      ...TAG_MISMATCH,
      ...caseTrace("vmalloc_oob"),
      "The buggy address belongs to the virtual mapping at",
      " [{px:vm}, {px:vmend}) created by:",
      frame("vmalloc_oob", true),
      "",
      ...plainPage(1),
      ...memoryState([tagRow, tagRow, `${rep("{tag:ptag}", 15)} fe`, FE, FE], 15),
      SEP,
    ]);
    expectPointerTag(c);
    expect(untagged(c, "addr") - px(c, "vm")).toBe(2032n);
    expect(px(c, "vmend") - px(c, "vm")).toBe(0x2000n);
    expectRowsAt(c, untagged(c, "addr"));
  });

  it("kasan_stack_oob (clang, KASAN_STACK): invalid-access on the VMAP stack, no frame description", () => {
    const r = runCase("sw_tags", "kasan_stack_oob", { config: { ...defaultKernelConfig("sw_tags", "clang"), kasanStack: true } });
    expect(r.reports).toHaveLength(1);
    // char stack_array[10] gets its own random tag over one granule; read stack_array[10 + 16]
    // = granule + 1: frame space carrying the stack's own tag (the vmalloc tag of the thread
    // stack; tsk->stack itself is untagged). The volatile pointer 'array' is the next granule,
    // with a tag of its own. Stack memory is not slab ⇒ invalid-access. SW_TAGS prints no frame
    // description (kasan_print_address_stack_frame is Generic-only) but object_is_on_stack()
    // still prints its blank line. VMAP stack: THREAD_SIZE 32 KiB + guard = 0x9000.
    const stk = rep("{tag:stk}", 16);
    // The caret granule follows from where the frame sits on the stack: read it off the access line.
    const m = /at addr ([0-9a-f]{16}) /.exec(r.reports[0][2]);
    expect(m).not.toBeNull();
    const g = granuleInRow(BigInt(`0x${m?.[1] ?? "0"}`));
    expect(g).toBeGreaterThanOrEqual(1);
    expect(g).toBeLessThanOrEqual(14);
    const guilty = Array.from({ length: 16 }, (_, i) => (i === g - 1 ? "{tag:ptag}" : i === g + 1 ? "{tag:arr}" : "{tag:stk}")).join(" ");
    const c = matchLines(r.reports[0], [
      SEP,
      ...header("invalid-access", "kasan_stack_oob+0x{hex}/0x{hex} [kasan_test]", "Read of size 1 at addr {px:addr}", "{tag:stk}"),
      ...dumpHead(TAINT_N),
      ...TAG_MISMATCH,
      ...caseTrace("kasan_stack_oob"),
      "",
      "The buggy address belongs to the virtual mapping at",
      " [{px:vm}, {px:vmend}) created by:",
      frame("dup_task_struct"),
      "",
      ...plainPage(1),
      ...memoryState([stk, stk, guilty, stk, stk], g),
      SEP,
    ]);
    expectPointerTag(c);
    expect(c.ptag).not.toBe(c.stk);
    expect(c.arr).not.toBe(c.stk);
    const a = untagged(c, "addr");
    expect(a >= px(c, "vm") && a < px(c, "vmend") - 4096n).toBe(true);
    expect(px(c, "vmend") - px(c, "vm")).toBe(0x9000n);
    expectRowsAt(c, a);
  });

  it("kmalloc_memmove_negative_size: the ring decides first — slab-out-of-bounds, size printed as size_t", () => {
    const r = runCase("sw_tags", "kmalloc_memmove_negative_size");
    expect(r.reports).toHaveLength(1);
    // kmalloc(64) → kmalloc-64, 4 granules tagged. memmove(ptr, ptr + 4, (size_t)−2) →
    // __hwasan_memmove (= __asan_memmove) → kasan_check_range(src, −2, read): addr + size wraps ⇒
    // kasan_report at once. first bad: p < end fails at once ⇒ ptr + 4 itself (granule 0, the
    // object's tag). report_tags.c searches the ring before get_common_bug_type(): the alloc
    // entry matches ⇒ slab-out-of-bounds (not out-of-bounds). 4 bytes inside the 64-byte region.
    const c = matchLines(r.reports[0], [
      SEP,
      ...header("slab-out-of-bounds", "kmalloc_memmove_negative_size+0x{hex}/0x{hex:size_kmalloc_memmove_negative_size} [kasan_test]", "Read of size 18446744073709551614 at addr {px:addr}", "{tag:ptag}"),
      ...dumpHead(TAINT_N),
      ...interceptor("__asan_memmove"),
      ...caseTrace("kmalloc_memmove_negative_size"),
      ...track("Allocated by task 37:", KMALLOC_ALLOC, "kmalloc_memmove_negative_size"),
      ...objectLines("kmalloc-64", 64, "4 bytes inside", 64),
      ...slabPage(true),
      ...memoryState([FE, FE, `${rep("{tag:ptag}", 4)} ${rep("fe", 12)}`, FE, FE], 0),
      SEP,
    ]);
    expectPointerTag(c);
    expect(untagged(c, "addr") - px(c, "obj")).toBe(4n);
    expectRowsAt(c, untagged(c, "addr"));
  });

  it("kmalloc_oob_in_memset: __asan_memset over 128 bytes of a 112-byte object", () => {
    const r = runCase("sw_tags", "kmalloc_oob_in_memset");
    expect(r.reports).toHaveLength(1);
    // kmalloc(128 − 16 = 112): granules 0..6 tagged, 7 fe. memset(ptr, 0, 112 + 16) →
    // kasan_check_range(ptr, 128, write): granule 7 mismatches ⇒ report at ptr with size 128;
    // first bad = ptr + 112 (granule 7, fe). Ring: alloc ⇒ slab-out-of-bounds; alloc_size 112;
    // the access address is the object start ⇒ 0 bytes inside.
    const c = matchLines(r.reports[0], [
      SEP,
      ...header("slab-out-of-bounds", "kmalloc_oob_in_memset+0x{hex}/0x{hex:size_kmalloc_oob_in_memset} [kasan_test]", "Write of size 128 at addr {px:addr}", "fe"),
      ...dumpHead(TAINT_N),
      ...interceptor("__asan_memset"),
      ...caseTrace("kmalloc_oob_in_memset"),
      ...track("Allocated by task 37:", KMALLOC_ALLOC, "kmalloc_oob_in_memset"),
      ...objectLines("kmalloc-128", 128, "0 bytes inside", 112),
      ...slabPage(true),
      ...memoryState([FE, FE, `${rep("{tag:ptag}", 7)} ${rep("fe", 9)}`, FE, FE], 7),
      SEP,
    ]);
    expectPointerTag(c);
    expect(untagged(c, "addr")).toBe(px(c, "obj"));
    expect(px(c, "end") - px(c, "obj")).toBe(112n);
    expectRowsAt(c, px(c, "obj") + 112n);
  });

  it("match_all_mem_tag: 16 reports, one per forged memory tag; no memory tag matches all", () => {
    const r = runCase("sw_tags", "match_all_mem_tag");
    // SW_TAGS tries only tags < KASAN_TAG_MIN + 8 or > 0xff − 8 (skipping the pointer's own):
    // 0x00..0x07 and 0xf8..0xff = 16 (the seed's tag is not among them, checked below).
    expect(r.reports).toHaveLength(16);
    const forged = [0, 1, 2, 3, 4, 5, 6, 7, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd, 0xfe, 0xff];
    // kmalloc(128) → kmalloc-128, 8 granules; kasan_poison(ptr, 16, t) rewrites granule 0 only.
    // *ptr = 0 (1-byte write) → granule 0 = t ≠ pointer tag. Ring: alloc entry ⇒
    // slab-out-of-bounds. alloc_size: with t ≠ fe all 8 granules count ⇒ 128; with t = fe the
    // walk stops at once ⇒ 0 → 128. 0 bytes inside. Rows above: other kmalloc-128 objects.
    const caps: Record<string, string> = {};
    forged.forEach((t, i) => {
      const tt = t.toString(16).padStart(2, "0");
      const c = matchLines(
        r.reports[i],
        [
          SEP,
          ...header("slab-out-of-bounds", "match_all_mem_tag+0x{hex:ip}/0x{hex:size_match_all_mem_tag} [kasan_test]", "Write of size 1 at addr {px:addr}", tt),
          ...dumpHead(i === 0 ? TAINT_N : TAINT_BN),
          ...TAG_MISMATCH,
          ...caseTrace("match_all_mem_tag"),
          ...track("Allocated by task 37:", KMALLOC_ALLOC, "match_all_mem_tag"),
          ...objectLines("kmalloc-128", 128, "0 bytes inside", 128),
          ...slabPage(true),
          ...memoryState(["{tag} {tag} {tag} {tag} {tag} {tag} {tag} {tag} {tag} {tag} {tag} {tag} {tag} {tag} {tag} {tag}", "{tag} {tag} {tag} {tag} {tag} {tag} {tag} {tag} {tag} {tag} {tag} {tag} {tag} {tag} {tag} {tag}", `${tt} ${rep("{tag:ptag}", 7)} ${rep("fe", 8)}`, FE, FE], 0),
          SEP,
        ],
        caps,
      );
      expectPointerTag(c);
      expect(untagged(c, "addr")).toBe(px(c, "obj"));
    });
    expect(forged).not.toContain(Number.parseInt(caps.ptag, 16));
  });
});

describe("SW_TAGS golden reports, kasan.stacktrace=off", () => {
  // No stack ring: describe_object() skips the stacks, and the ring search finds nothing, so
  // get_common_bug_type() decides: out-of-bounds only when addr + size wraps, else
  // invalid-access. Preset types (double-free, invalid-free) are unaffected.
  it("kmalloc_uaf: invalid-access, no Allocated/Freed sections", () => {
    const r = runCase("sw_tags", "kmalloc_uaf", OFF);
    expect(r.reports).toHaveLength(1);
    const c = matchLines(r.reports[0], [
      SEP,
      ...header("invalid-access", "kmalloc_uaf+0x{hex}/0x{hex} [kasan_test]", "Read of size 1 at addr {px:addr}", "fe"),
      ...dumpHead(TAINT_N),
      ...TAG_MISMATCH,
      ...caseTrace("kmalloc_uaf"),
      ...objectLines("kmalloc-16", 16, "8 bytes inside", 16),
      ...slabPage(true),
      ...memoryState([FE, FE, FE, FE, FE], 0),
      SEP,
    ]);
    expectPointerTag(c);
    expect(untagged(c, "addr") - px(c, "obj")).toBe(8n);
  });

  it("kmalloc_oob_right: both reports invalid-access (the first one was the ring's slab-out-of-bounds)", () => {
    const r = runCase("sw_tags", "kmalloc_oob_right", OFF);
    expect(r.reports).toHaveLength(2);
    const objRow = `${rep("{tag:ptag}", 7)} ${rep("fe", 9)}`;
    const c = matchLines(r.reports[0], [
      SEP,
      ...header("invalid-access", "kmalloc_oob_right+0x{hex}/0x{hex:size_kmalloc_oob_right} [kasan_test]", "Write of size 1 at addr {px:addr}", "fe"),
      ...dumpHead(TAINT_N),
      ...TAG_MISMATCH,
      ...caseTrace("kmalloc_oob_right"),
      ...objectLines("kmalloc-128", 128, "0 bytes to the right", 112),
      ...slabPage(true),
      ...memoryState([FE, FE, objRow, FE, FE], 7),
      SEP,
    ]);
    expect(untagged(c, "addr") - px(c, "obj")).toBe(112n);
    const c2 = matchLines(
      r.reports[1],
      [
        SEP,
        ...header("invalid-access", "kmalloc_oob_right+0x{hex}/0x{hex:size_kmalloc_oob_right} [kasan_test]", "Read of size 1 at addr {px:addr2}", "fe"),
        ...dumpHead(TAINT_BN),
        ...TAG_MISMATCH,
        ...caseTrace("kmalloc_oob_right"),
        "The buggy address belongs to the object at {px:obj2}",
        " which belongs to the cache kmalloc-128 of size 128",
        "The buggy address is located 0 bytes inside of",
        " 128-byte region [{px:obj2}, {px:end2})",
        "",
        ...slabPage(true),
        ...memoryState([FE, FE, objRow, FE, FE], 8),
        SEP,
      ],
      { ptag: c.ptag },
    );
    expect(px(c2, "obj2")).toBe(px(c, "obj") + 128n);
  });

  it("kmalloc_memmove_negative_size: out-of-bounds (get_common_bug_type: addr + size wraps)", () => {
    const r = runCase("sw_tags", "kmalloc_memmove_negative_size", OFF);
    expect(r.reports).toHaveLength(1);
    const c = matchLines(r.reports[0], [
      SEP,
      ...header("out-of-bounds", "kmalloc_memmove_negative_size+0x{hex}/0x{hex} [kasan_test]", "Read of size 18446744073709551614 at addr {px:addr}", "{tag:ptag}"),
      ...dumpHead(TAINT_N),
      ...interceptor("__asan_memmove"),
      ...caseTrace("kmalloc_memmove_negative_size"),
      ...objectLines("kmalloc-64", 64, "4 bytes inside", 64),
      ...slabPage(true),
      ...memoryState([FE, FE, `${rep("{tag:ptag}", 4)} ${rep("fe", 12)}`, FE, FE], 0),
      SEP,
    ]);
    expect(untagged(c, "addr") - px(c, "obj")).toBe(4n);
  });

  it("kmem_cache_double_free: still double-free, without stacks", () => {
    const r = runCase("sw_tags", "kmem_cache_double_free", OFF);
    expect(r.reports).toHaveLength(1);
    const c = matchLines(r.reports[0], [
      SEP,
      "BUG: KASAN: double-free in kmem_cache_double_free+0x{hex}/0x{hex} [kasan_test]",
      "Free of addr {px:addr} by task kunit_try_catch/37",
      "Pointer tag: [{tag:ptag}], memory tag: [fe]",
      "",
      ...dumpHead(TAINT_N),
      ...preFree("kmem_cache_free"),
      ...caseTrace("kmem_cache_double_free"),
      ...objectLines("test_cache", 200, "0 bytes inside", 200),
      ...slabPage(true),
      ...memoryState([FE, FE, FE, FE, FE], 0),
      SEP,
    ]);
    expectPointerTag(c);
    expect(untagged(c, "addr")).toBe(px(c, "obj"));
  });
});
