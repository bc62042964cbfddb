/**
 * Per-page architecture operations the page allocator calls while preparing pages — the seam
 * mm → arch for zeroing:
 *   tag_clear_highpage   (__GFP_ZEROTAGS with init) arm64: mte_zero_clear_page_tags, which zeroes
 *                        the data and sets every allocation tag of the page to 0 in one pass,
 *                        then marks the page PG_mte_tagged
 *   clear_highpage       plain zeroing; kernel_init_pages uses it (via
 *                        clear_highpage_kasan_tagged, with KASAN checks off)
 * The arch layer provides the MTE-backed implementation; `CountingArchPageOps` only counts.
 * Implementations do the counting for these operations (the allocator does not): per page,
 * `tagClearHighpage` or `kernelInitPages` += 1 and `bytesZeroed` += PAGE_SIZE; zeroing done by
 * clear_page (not by tag-setting instructions) also goes into `bytesZeroedByClearPage`.
 */
import type { Counters } from "../cost/counters.js";
import { PAGE_SIZE } from "./memory-layout.js";

export interface ArchPageOps {
  /** tag_clear_highpage(page): zero one page's data and its MTE tags. */
  tagClearHighpage(pfn: number): void;
  /** clear_highpage(page) as called by kernel_init_pages: zero one page's data. */
  clearHighpage(pfn: number): void;
}

/** Counts what the operations would do; no data or tag memory is touched. */
export class CountingArchPageOps implements ArchPageOps {
  constructor(private readonly counters: Counters) {}

  tagClearHighpage(_pfn: number): void {
    const c = this.counters.cur;
    c.tagClearHighpage++;
    c.bytesZeroed += PAGE_SIZE;
    c.bytesZeroedByClearPage += PAGE_SIZE;
  }

  clearHighpage(_pfn: number): void {
    const c = this.counters.cur;
    c.kernelInitPages++;
    c.bytesZeroed += PAGE_SIZE;
    c.bytesZeroedByClearPage += PAGE_SIZE;
  }
}
