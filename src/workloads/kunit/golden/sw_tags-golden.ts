/**
 * SW_TAGS pieces for the golden reports (on top of golden-match.ts): the paths into
 * kasan_report() of an arm64 SW_TAGS kernel, the stacks the stack ring records, and the page
 * dump of a non-slab page. Granule 16; memory-state rows are 256 bytes of memory apart.
 */
import { expect } from "vitest";
import { frame, KTHREAD, px } from "./golden-match.js";
export { CACHE_ALLOC, CACHE_FREE, G, KFREE, KMALLOC_ALLOC, objectLines } from "./tags-golden.js";

/** Inline check of a 1/2/4/8/16-byte access: the outlined check branches to __hwasan_tag_mismatch (arch/arm64/lib/kasan_sw_tags.S) → kasan_tag_mismatch (sw_tags.c). */
export const TAG_MISMATCH = ["print_report", "kasan_report", "kasan_tag_mismatch", "__hwasan_tag_mismatch"].map((f) => frame(f));

/** A mem* call: clang's __hwasan_mem* is an alias of shadow.c's __asan_mem* (kallsyms prints the first name), which calls kasan_check_range. */
export const interceptor = (fn: "__asan_memset" | "__asan_memmove" | "__asan_memcpy") => ["print_report", "kasan_report", "kasan_check_range", fn].map((f) => frame(f));

/** kasan_check_byte() inlined into `caller` → __kasan_check_byte → kasan_report. */
export const checkByte = (caller: string) => ["print_report", "kasan_report", "__kasan_check_byte", caller].map((f) => frame(f));

/** check_slab_allocation() in __kasan_slab_pre_free, reached from slab_free_hook() inlined in kfree / kmem_cache_free. */
export const preFree = (entry: "kfree" | "kmem_cache_free") => ["print_report", "kasan_report_invalid_free", "__kasan_slab_pre_free", entry].map((f) => frame(f));

/** print_error_description() + kasan_print_tags() + the blank line before the stack dump. */
export function header(bugType: string, fn: string, access: string, tags: string): string[] {
  return [`BUG: KASAN: ${bugType} in ${fn}`, `${access} by task kunit_try_catch/37`, `Pointer tag: [{tag:ptag}], memory tag: [${tags}]`, ""];
}

/** The report's own Call trace below the KASAN path: the case function and the kthread (then the blank line print_address_description adds). */
export function caseTrace(caseFn: string, extra: readonly string[] = []): string[] {
  return [...extra.map((f) => frame(f)), frame(caseFn, true), ...KTHREAD, ""];
}

/** dump_page() of an order-0 non-slab page (no page_type line unless given). */
export function plainPage(refcount: number, pageType?: string): string[] {
  return [
    "The buggy address belongs to the physical page:",
    `page: refcount:${refcount} mapcount:0 mapping:0000000000000000 index:0x0 pfn:0x{hex:pfn}`,
    "flags: 0x{hex}(node=0|zone=0|kasantag=0x{hex:pagetag})",
    ...(pageType === undefined ? [] : [`page_type: ${pageType}`]),
    "raw: {px} {px} {px} {px}",
    "raw: {px} {px} {px} {px}",
    "page dumped because: kasan: bad access detected",
    "",
  ];
}

/** page_kasan_tag(): the page flags hold the tag XOR 0xff (so 0 means the match-all 0xff). */
export function pageTag(caps: Record<string, string>): number {
  return Number.parseInt(caps.pagetag, 16) ^ 0xff;
}

/** Linear map: pfn = PHYS_OFFSET (0x40000000) >> 12 + offset >> 12 for the address's page. */
export function expectLinearPfn(caps: Record<string, string>, name: string): void {
  const off = px(caps, name) & 0xffffffffffffn;
  expect(BigInt(`0x${caps.pfn}`)).toBe(0x40000n + (off >> 12n));
}

/** Pointer tag = the top byte of the access address (%px prints it). */
export function expectPointerTag(caps: Record<string, string>, addr = "addr"): void {
  expect(caps[addr].slice(0, 2)).toBe(caps.ptag);
}

/** A captured tagged %px address with the top byte reset to 0xff (kasan_reset_tag). */
export function untagged(caps: Record<string, string>, name: string): bigint {
  return (px(caps, name) & 0x00ffffffffffffffn) | 0xff00000000000000n;
}
