/**
 * Golden reports, HW_TAGS, memory that is not a slab object: page-backed kmalloc
 * (kmalloc_large_*), page_alloc and vmalloc. With no slab object there is no ring lookup:
 * get_common_bug_type() says invalid-access for accesses; frees are invalid-free. The report
 * has no object lines, only the page (addr_to_page = virt_to_head_page, or vmalloc_to_page)
 * and, for vmalloc, the vm_struct's range and caller (kasan-facts §7.1, §7.3, §11b.4).
 * Memory never tagged since boot reads allocation tag 0, shown by LDG as 0xf0.
 */
import { describe, expect, it } from "vitest";
import { dumpHead, expectRows, frame, KTHREAD, matchLines, memoryState, px, rep, runCase, SEP, TAINT_N } from "./golden-match.js";
import { accessAddr, compoundPage, expectPageTag, expectPfn, expectRandomTag, G, ptag, tagFaultHead, tagFaultTrace } from "./hw-tags-golden.js";

const FE = rep("fe", 16);
const F0 = rep("f0", 16);
const T16 = rep("{tag:ptag}", 16);

/** dump_page() of an order-0 page (or a non-compound block's head) without a page type. */
function plainPage(refcount: number, mapcountWord: string): string[] {
  return [
    "The buggy address belongs to the physical page:",
    `page: refcount:${refcount} mapcount:0 mapping:0000000000000000 index:0x0 pfn:0x{hex:pfn}`,
    "flags: 0x{hex:flags}(node=0|zone=0|kasantag=0x{hex:kt})",
    "raw: {px:fw} {px} {px} {px}",
    `raw: {px} {px} ${mapcountWord} {px}`,
    "page dumped because: kasan: bad access detected",
    "",
  ];
}

/** dump_page() of the head page of a free buddy block of `order` (PGTY_buddy f0, private = order). */
function buddyPage(order: number): string[] {
  return [
    "The buggy address belongs to the physical page:",
    "page: refcount:0 mapcount:0 mapping:0000000000000000 index:0x0 pfn:0x{hex:pfn}",
    "flags: 0x{hex:flags}(node=0|zone=0|kasantag=0x{hex:kt})",
    "page_type: f0(buddy)",
    "raw: {px:fw} {px} {px} {px}",
    `raw: {px} ${order.toString(16).padStart(16, "0")} 00000000f0000000 {px}`,
    "page dumped because: kasan: bad access detected",
    "",
  ];
}

describe("HW_TAGS golden reports: page_alloc, kmalloc_large, vmalloc", () => {
  it("kmalloc_large_oob_right: write into the 0xfe tail of an order-2 kmalloc block ⇒ invalid-access", () => {
    const r = runCase("hw_tags", "kmalloc_large_oob_right");
    expect(r.reports).toHaveLength(1);
    // kmalloc(8192 + 10) > KMALLOC_MAX_CACHE_SIZE → alloc_pages(order 2): all 1024 granules get
    // the page tag T, then kasan_kmalloc_large poisons [round_up(8202, 16) = 8208, 16384) with
    // 0xfe. Write ptr[8202 + OOB_TAG_OFF (16)] = ptr[8218]: granule 513 (0xfe). Not a slab ⇒
    // invalid-access. first_bad_addr = block + 8218: row block + 8192, caret under granule
    // (8218 − 8192) / 16 = 1; row: granule 512 (T), 0xfe after; the two rows before are the
    // object (T). The page: the block's head (order-aligned), PG_head, page tag T.
    const c = matchLines(r.reports[0], [
      ...tagFaultHead("invalid-access", "kmalloc_large_oob_right", "Write", "fe"),
      ...dumpHead(TAINT_N),
      ...tagFaultTrace("kmalloc_large_oob_right"),
      ...compoundPage(2, false),
      ...memoryState([T16, T16, `{tag:ptag} ${rep("fe", 15)}`, FE, FE], 1),
      SEP,
    ]);
    const addr = accessAddr(c);
    expectRandomTag(ptag(c));
    expect(addr % 16384n).toBe(8218n);
    expectRows(c, G, addr);
    expectPfn(c, addr - 8218n);
    expectPageTag(c, ptag(c));
  });

  it("kmalloc_large_uaf: read after the order-2 block went back to the per-CPU lists ⇒ invalid-access", () => {
    const r = runCase("hw_tags", "kmalloc_large_uaf");
    expect(r.reports).toHaveLength(1);
    // kmalloc(8202) (order 2, page tag T), kfree → free_pages_prepare: page tag T ≠ 0xff ⇒
    // kasan_poison_pages: every granule 0xfe; the compound head bit is cleared and the order-2
    // block sits on a pcp list (order ≤ PAGE_ALLOC_COSTLY_ORDER): refcount 0, no page type,
    // _mapcount −1; the page tag stays T. Read ptr[0] ⇒ invalid-access; row = block start,
    // caret under granule 0; the rows below are memory never tagged (0xf0).
    const c = matchLines(r.reports[0], [
      ...tagFaultHead("invalid-access", "kmalloc_large_uaf", "Read", "fe"),
      ...dumpHead(TAINT_N),
      ...tagFaultTrace("kmalloc_large_uaf"),
      ...plainPage(0, "00000000ffffffff"),
      ...memoryState([F0, F0, FE, FE, FE], 0),
      SEP,
    ]);
    const addr = accessAddr(c);
    expect(addr % 16384n).toBe(0n);
    expectRows(c, G, addr);
    expectPfn(c, addr);
    expectPageTag(c, ptag(c));
  });

  it("page_alloc_oob_right: one past an order-4 block is its free buddy, never tagged ⇒ invalid-access, memory tag f0", () => {
    const r = runCase("hw_tags", "page_alloc_oob_right");
    expect(r.reports).toHaveLength(1);
    // alloc_pages(GFP_KERNEL, 4): 64 KiB with page tag T. ptr[0] = ptr[65536] loads from the
    // buddy block (ptr + 64 KiB), free since boot: tag 0 (0xf0) ≠ T. (The case would pass
    // silently if T were 0xf0: a 1-in-14 tag collision.) Its head page is a free order-4 buddy:
    // PGTY_buddy, refcount 0, private 4, page tag 0xff (never allocated) ⇒ kasantag 0.
    // Rows: our block's last 512 bytes (T), then the buddy (0xf0); caret under granule 0.
    const c = matchLines(r.reports[0], [
      ...tagFaultHead("invalid-access", "page_alloc_oob_right", "Read", "f0"),
      ...dumpHead(TAINT_N),
      ...tagFaultTrace("page_alloc_oob_right"),
      ...buddyPage(4),
      ...memoryState([T16, T16, F0, F0, F0], 0),
      SEP,
    ]);
    const addr = accessAddr(c);
    expect(ptag(c)).not.toBe(0xf0);
    expect(addr % 65536n).toBe(0n);
    expectRows(c, G, addr);
    expectPfn(c, addr);
    expectPageTag(c, 0xff);
    expect(c.flags).toBe("0");
  });

  it("page_alloc_uaf: read after free_pages ⇒ invalid-access; the block merged up to an order-6 buddy", () => {
    const r = runCase("hw_tags", "page_alloc_uaf");
    expect(r.reports).toHaveLength(1);
    // alloc_pages(order 4) with page tag T, free_pages: granules 0xfe (page tag kept). Order 4 >
    // PAGE_ALLOC_COSTLY_ORDER goes straight to the buddy lists and merges with its free buddies:
    // + 64 KiB (order 5), + 128 KiB (order 6); the order-6 buddy below holds boot allocations, so
    // the head page is a free order-6 block: private 6. Read ptr[0]: row = block start, caret 0;
    // the rows below are never-tagged memory (0xf0).
    const c = matchLines(r.reports[0], [
      ...tagFaultHead("invalid-access", "page_alloc_uaf", "Read", "fe"),
      ...dumpHead(TAINT_N),
      ...tagFaultTrace("page_alloc_uaf"),
      ...buddyPage(6),
      ...memoryState([F0, F0, FE, FE, FE], 0),
      SEP,
    ]);
    const addr = accessAddr(c);
    expect(addr % 65536n).toBe(0n);
    expectRows(c, G, addr);
    expectPfn(c, addr);
    expectPageTag(c, ptag(c));
  });

  it("vmalloc_oob: load from the in-page redzone of a vmalloc area ⇒ invalid-access with the virtual mapping lines", () => {
    const r = runCase("hw_tags", "vmalloc_oob");
    expect(r.reports).toHaveLength(1);
    // vmalloc(4096/2 − 16 − 5 = 2027): one page + guard page, so the vm_struct spans 0x2000.
    // __kasan_unpoison_vmalloc tags [0, 2032) with a random T and poisons [2032, 4096) with
    // 0xfe; unpoison_vmalloc_pages sets the backing page's tag to T. The Generic-only v[2027]
    // check is skipped; v[2027 + 5] = v[2032] (0x7f0) faults: row v + 0x700, caret under granule
    // 15; rows v + 0x500/0x600 are T, v + 0x800/0x900 the redzone. The page is vmalloc_to_page's
    // order-0 page: refcount 1, _mapcount −1, page tag T.
    const c = matchLines(r.reports[0], [
      ...tagFaultHead("invalid-access", "vmalloc_oob", "Read", "fe"),
      ...dumpHead(TAINT_N),
      ...tagFaultTrace("vmalloc_oob"),
      "The buggy address belongs to the virtual mapping at",
      " [{px:vm}, {px:vmend}) created by:",
      frame("vmalloc_oob", true),
      "",
      ...plainPage(1, "00000001ffffffff"),
      ...memoryState([T16, T16, `${rep("{tag:ptag}", 15)} fe`, FE, FE], 15),
      SEP,
    ]);
    expect(px(c, "vmend") - px(c, "vm")).toBe(0x2000n);
    expect(accessAddr(c) - px(c, "vm")).toBe(2032n);
    // VMALLOC_START on arm64 (48-bit VA, 4 KiB pages) is 0xffff800080000000.
    expect(px(c, "vm") >= 0xffff800080000000n).toBe(true);
    expectRows(c, G, accessAddr(c));
    expectPageTag(c, ptag(c));
  });

  it("kmalloc_large_invalid_free: kfree(ptr + 1) of a page-backed kmalloc ⇒ invalid-free named in kfree", () => {
    const r = runCase("hw_tags", "kmalloc_large_invalid_free");
    expect(r.reports).toHaveLength(1);
    // kmalloc(8202): order-2 block, page tag T. kfree(ptr + 1) → free_large_kmalloc (a real
    // call: 6.12 also calls it from the bulk-free path) → kasan_kfree_large (inline) →
    // __kasan_kfree_large → check_page_allocation: ptr + 1 ≠ page_address(head) ⇒ invalid-free.
    // The inline wrapper's _RET_IP_ is free_large_kmalloc's return address: the report is "in
    // kfree+…". The memory tag of ptr + 1's granule is T. first_bad_addr = the untagged pointer:
    // row = block start, caret under granule 0; the rows below were never tagged (0xf0).
    const c = matchLines(r.reports[0], [
      SEP,
      "BUG: KASAN: invalid-free in kfree+0x{hex}/0x{hex:size_kfree}",
      "Free of addr {tag:ptag}ff{hex:a} by task kunit_try_catch/37",
      "Pointer tag: [{tag:ptag}], memory tag: [{tag:ptag}]",
      "",
      ...dumpHead(TAINT_N),
      frame("print_report"),
      frame("kasan_report_invalid_free"),
      frame("__kasan_kfree_large"),
      frame("free_large_kmalloc"),
      frame("kfree"),
      frame("kmalloc_large_invalid_free", true),
      ...KTHREAD,
      "",
      ...compoundPage(2, false),
      ...memoryState([F0, F0, T16, T16, T16], 0),
      SEP,
    ]);
    const addr = accessAddr(c);
    expect(addr % 16384n).toBe(1n);
    expectRows(c, G, addr);
    expectPfn(c, addr - 1n);
    expectPageTag(c, ptag(c));
    // The BUG line names the kfree frame of the trace (the same return address).
    const bugIp = /in (kfree\+0x[0-9a-f]+)\//.exec(r.reports[0][1])?.[1];
    expect(r.reports[0].filter((l) => l.startsWith(` ${bugIp}/`))).toHaveLength(1);
  });
});
