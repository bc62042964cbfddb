/**
 * Golden-report builders for HW_TAGS (granule 16, memory tags read with LDG, always `f?`).
 * Shared by the hw_tags golden tests; the generic line matcher is golden-match.ts.
 *
 * An access address is printed tagged (%px of info->access_addr): the pointer tag in the top
 * byte, then the untagged kernel address' remaining 14 digits (`ff` + 12 for the linear map and
 * for vmalloc). The expected access line captures the tag as {tag:ptag} and the low 12 digits as
 * {hex:a}, so "Pointer tag: [{tag:ptag}]" checks pointer tag = top byte of the address.
 */
import { expect } from "vitest";
import { frame, KTHREAD, px, SEP } from "./golden-match.js";
export { CACHE_ALLOC, CACHE_FREE, G, KFREE, KMALLOC_ALLOC, objectLines } from "./tags-golden.js";

/**
 * A synchronous tag check fault reaches kasan_report() through the arm64 exception path:
 * el1h_64_sync → el1h_64_sync_handler → el1_abort → do_mem_abort → do_tag_check_fault (with
 * do_bad_area inlined) → __do_kernel_fault (do_tag_recovery/report_tag_fault inlined) →
 * kasan_report → print_report.
 */
export const TAG_FAULT_PATH = ["print_report", "kasan_report", "__do_kernel_fault", "do_tag_check_fault", "do_mem_abort", "el1_abort", "el1h_64_sync_handler", "el1h_64_sync"].map((f) => frame(f));

/** A frame of the kasan_test module. */
export function testFrame(fn: string): string {
  return frame(fn, true);
}

/** Lines 1–4: separator, bug type with %pS of the faulting ip, the size-less access line, the tags. */
export function tagFaultHead(bug: string, fn: string, access: "Read" | "Write", memTag: string, pid = 37): string[] {
  return [SEP, `BUG: KASAN: ${bug} in ${fn}+0x{hex}/0x{hex:size_${fn}} [kasan_test]`, `${access} at addr {tag:ptag}ff{hex:a} by task kunit_try_catch/${pid}`, `Pointer tag: [{tag:ptag}], memory tag: [${memTag}]`, ""];
}

/** The call trace under the stack dump's head for a tag fault in `fns` (innermost first, all kasan_test code). */
export function tagFaultTrace(...fns: string[]): string[] {
  return [...TAG_FAULT_PATH, ...fns.map(testFrame), ...KTHREAD, ""];
}

/** A ring-entry stack: title, the saving frames, the case's frames (innermost first), the kthread; blank. */
export function ringTrack(title: string, saving: readonly string[], ...fns: string[]): string[] {
  return [title, ...saving.map((f) => frame(f)), ...fns.map(testFrame), ...KTHREAD, ""];
}

/**
 * dump_page() of an order-0 slab page. kasan_poison_slab() reset the page tag to 0xff, which
 * page flags store as tag ^ 0xff = 0: flags 0 (node 0, zone 0, no PG_ bits: 6.12's slab is a
 * page type), page_type f5 (PGTY_slab) in the top byte of the _mapcount word, refcount 1.
 */
export const SLAB_PAGE = [
  "The buggy address belongs to the physical page:",
  "page: refcount:1 mapcount:0 mapping:0000000000000000 index:0x0 pfn:0x{hex:pfn}",
  "flags: 0x0(node=0|zone=0|kasantag=0x0)",
  "page_type: f5(slab)",
  "raw: 0000000000000000 {px} {px} {px}",
  "raw: {px} {px} 00000001f5000000 {px}",
  "page dumped because: kasan: bad access detected",
  "",
];

/**
 * dump_page() of a compound page (head page, `order`): the folio line, PG_head (bit 6, 0x40), the
 * page tag stored as tag ^ 0xff in kasantag ({hex:kt}), the head page's raw words and the two
 * struct pages of the folio ("head:" lines). `slab` adds page_type f5; a kmalloc_large/page
 * allocation has _mapcount −1 (ffffffff) instead.
 */
export function compoundPage(order: number, slab: boolean): string[] {
  const typeWord = slab ? "00000001f5000000" : "00000001ffffffff";
  return [
    "The buggy address belongs to the physical page:",
    "page: refcount:1 mapcount:0 mapping:0000000000000000 index:0x0 pfn:0x{hex:pfn}",
    `head: order:${order} mapcount:0 entire_mapcount:0 nr_pages_mapped:0 pincount:0`,
    "flags: 0x{hex:flags}(head|node=0|zone=0|kasantag=0x{hex:kt})",
    ...(slab ? ["page_type: f5(slab)"] : []),
    "raw: {px:fw} {px} {px} {px}",
    `raw: {px} {px} ${typeWord} {px}`,
    "head: {px:fw} {px} {px} {px}",
    `head: {px} {px} ${typeWord} {px}`,
    "head: {px} {px} {px} {px}",
    "head: {px} {px} {px} {px}",
    "page dumped because: kasan: bad access detected",
    "",
  ];
}

/** PHYS_OFFSET of QEMU's virt board (RAM at 1 GiB): pfn = (linear offset + 0x40000000) >> 12. */
export function expectPfn(caps: Record<string, string>, linearAddr: bigint): void {
  const off = linearAddr - 0xffff000000000000n;
  expect(BigInt(`0x${caps.pfn}`)).toBe((off + 0x40000000n) >> 12n);
}

/** The page flags word shows the page tag as tag ^ 0xff, and raw's first word is the flags. */
export function expectPageTag(caps: Record<string, string>, pageTag: number): void {
  expect(Number.parseInt(caps.kt, 16)).toBe(pageTag ^ 0xff);
  expect(BigInt(`0x${caps.fw}`)).toBe(BigInt(`0x${caps.flags}`));
}

/** The untagged access address (ff ff + the captured 12 digits). */
export function accessAddr(caps: Record<string, string>): bigint {
  const a = caps.a;
  if (a === undefined || a.length !== 12) throw new Error(`bad access address capture ${a}`);
  return BigInt(`0xffff${a}`);
}

/** The captured pointer tag as a number. */
export function ptag(caps: Record<string, string>): number {
  const t = caps.ptag;
  if (t === undefined) throw new Error("no pointer tag captured");
  return Number.parseInt(t, 16);
}

/** obj/end captures: end − obj = region size, access − obj = expected offset. */
export function expectObject(caps: Record<string, string>, regionSize: number, accessOffset: number): void {
  expect(px(caps, "end") - px(caps, "obj")).toBe(BigInt(regionSize));
  expect(accessAddr(caps) - px(caps, "obj")).toBe(BigInt(accessOffset));
}

/** A random HW tag: IRG draws from 0xf0..0xfd (GCR_EL1 excludes 0xe and 0xf). */
export function expectRandomTag(tag: number): void {
  expect(tag).toBeGreaterThanOrEqual(0xf0);
  expect(tag).toBeLessThanOrEqual(0xfd);
}
