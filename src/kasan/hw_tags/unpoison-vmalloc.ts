/**
 * __kasan_unpoison_vmalloc() of HW_TAGS (mm/kasan/hw_tags.c, 6.12; KEEP_TAG from the 2025
 * vrealloc fix). HW_TAGS tags physical memory, so it only tags the one mapping vmalloc() itself
 * creates — VM_ALLOC, non-executable (PROT_NORMAL) — whose backing pages page_alloc left
 * untagged (__GFP_SKIP_KASAN):
 *   kasan.vmalloc=off   INIT → clear_highpage_kasan_tagged() on each page; start returned as is
 *   !VM_ALLOC           returned as is (vmap, vm_map_ram, percpu); WARN if INIT was asked
 *   !PROT_NORMAL        returned as is (the PC must never be tagged); WARN if INIT
 *   otherwise           tag = KEEP_TAG ? get_tag(start) : random; unpoison [start, start+size)
 *                       with INIT; tag the in-page tail [round_up(start+size, 16), PAGE_ALIGN)
 *                       KASAN_TAG_INVALID (INIT honoured); page_kasan_tag of every backing page
 *                       ← tag, so page_address(vmalloc_to_page(p)) dereferences work
 * There is no vmalloc shadow to populate or release, and __kasan_poison_vmalloc is a no-op: the
 * backing pages are poisoned by free_pages_prepare when vfree() frees them (page tag ≠ 0xFF).
 */
import { ptrOffset, type Ptr } from "../../arch/pointer.js";
import { KASAN_VMALLOC_INIT, KASAN_VMALLOC_KEEP_TAG, KASAN_VMALLOC_PROT_NORMAL, KASAN_VMALLOC_VM_ALLOC } from "../../mm/kasan-hooks.js";
import { PAGE_SIZE } from "../../mm/memory-layout.js";
import type { KasanEnv } from "../common/env.js";
import { KASAN_TAG_INVALID, roundUp } from "../constants.js";

/** The backend primitives the vmalloc hook is built from. */
export interface HwTagsVmallocOps {
  readonly vmallocEnabled: boolean;
  readonly granuleSize: number;
  randomTag(): number;
  getTag(p: Ptr): number;
  setTag(p: Ptr, tag: number): Ptr;
  unpoison(p: Ptr, size: number, init: boolean): void;
  poison(p: Ptr, size: number, value: number, init: boolean): void;
  pageKasanTagSet(pfn: number, tag: number): void;
}

/** init_vmalloc_pages(): clear_highpage_kasan_tagged() on the page behind each PAGE_SIZE step. */
function initVmallocPages(env: KasanEnv, size: number, backingPfns: readonly number[]): void {
  const nr = Math.ceil(size / PAGE_SIZE);
  if (backingPfns.length < nr) {
    throw new Error(`kasan_unpoison_vmalloc: backingPfns must hold the ${nr} pages behind ${size} bytes, got ${backingPfns.length}`);
  }
  // clear_page() through the untagged linear address: data only, tags untouched.
  env.counters.cur.bytesZeroed += nr * PAGE_SIZE;
  env.counters.cur.bytesZeroedByClearPage += nr * PAGE_SIZE;
}

/** __kasan_unpoison_vmalloc(start, size, flags) for HW_TAGS; `backingPfns` is area->pages. */
export function hwTagsUnpoisonVmalloc(
  b: HwTagsVmallocOps,
  env: KasanEnv,
  start: Ptr,
  size: number,
  flags: number,
  backingPfns: readonly number[],
): Ptr {
  const init = (flags & KASAN_VMALLOC_INIT) !== 0;
  if (!b.vmallocEnabled) {
    if (init) initVmallocPages(env, size, backingPfns);
    return start;
  }
  if ((flags & KASAN_VMALLOC_VM_ALLOC) === 0) {
    if (init) env.warn("__kasan_unpoison_vmalloc: KASAN_VMALLOC_INIT for a non-VM_ALLOC mapping");
    return start;
  }
  if ((flags & KASAN_VMALLOC_PROT_NORMAL) === 0) {
    if (init) env.warn("__kasan_unpoison_vmalloc: KASAN_VMALLOC_INIT for an executable mapping");
    return start;
  }
  const tag = (flags & KASAN_VMALLOC_KEEP_TAG) !== 0 ? b.getTag(start) : b.randomTag();
  const tagged = b.setTag(start, tag);
  b.unpoison(tagged, size, init);
  // The in-page redzone: nothing else tags vmalloc space under HW_TAGS.
  const redzoneStart = roundUp(ptrOffset(tagged) + size, b.granuleSize);
  const redzoneSize = roundUp(redzoneStart, PAGE_SIZE) - redzoneStart;
  b.poison(redzoneStart, redzoneSize, KASAN_TAG_INVALID, init);
  // unpoison_vmalloc_pages(): every page of the area carries the mapping's tag.
  for (let i = 0; i < backingPfns.length; i++) b.pageKasanTagSet(backingPfns[i], tag);
  return tagged;
}
