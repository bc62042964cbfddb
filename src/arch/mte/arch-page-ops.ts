/**
 * The MTE-backed per-page operations the page allocator calls (the shape of mm's ArchPageOps in
 * src/mm/arch-page-ops.ts, satisfied structurally since arch cannot import mm):
 *   tag_clear_highpage(page)  arm64: mte_zero_clear_page_tags(page_address(page)) — data and
 *                             tags zeroed in one DC GZVA pass
 *   clear_highpage(page)      clear_page: plain DC ZVA zeroing, tags untouched
 * Per page: tagClearHighpage or kernelInitPages += 1 and bytesZeroed += PAGE_SIZE, as mm's
 * contract asks (the DC GZVA instructions are counted too). PG_mte_tagged is not modelled.
 */
import { makePtr, TAG_KERNEL } from "../pointer.js";
import { MTE_PAGE_SIZE } from "./mte-def.js";
import type { Mte } from "./mte.js";

export class MteArchPageOps {
  /**
   * `physPfnOffset` is the pfn of linear-map offset 0 (PHYS_PFN_OFFSET in
   * src/mm/memory-layout.ts), passed in because arch sits below mm.
   */
  constructor(
    private readonly mte: Mte,
    private readonly physPfnOffset: number,
  ) {
    if (!Number.isInteger(physPfnOffset) || physPfnOffset < 0) {
      throw new Error(`physPfnOffset: expected a non-negative integer pfn, got ${physPfnOffset}`);
    }
  }

  private pageAddress(pfn: number): number {
    if (!Number.isInteger(pfn) || pfn < this.physPfnOffset) {
      throw new Error(`pfn: expected an integer ≥ ${this.physPfnOffset}, got ${pfn}`);
    }
    return makePtr(TAG_KERNEL, (pfn - this.physPfnOffset) * MTE_PAGE_SIZE);
  }

  /** tag_clear_highpage(page). */
  tagClearHighpage(pfn: number): void {
    const addr = this.pageAddress(pfn);
    this.mte.counters.cur.tagClearHighpage += 1;
    this.mte.zeroClearPageTags(addr);
  }

  /** clear_highpage(page) (kernel_init_pages). */
  clearHighpage(pfn: number): void {
    this.pageAddress(pfn);
    const c = this.mte.counters.cur;
    c.kernelInitPages += 1;
    c.bytesZeroed += MTE_PAGE_SIZE;
    c.bytesZeroedByClearPage += MTE_PAGE_SIZE;
  }
}
