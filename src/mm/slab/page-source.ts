/**
 * What SLUB needs from the page allocator: the subset of `PageAllocator` (src/mm/page_alloc/)
 * that allocate_slab / __free_slab / kmalloc_large / virt_to_slab use. The real allocator
 * satisfies it structurally; tests pass a small double.
 */
import type { Ptr } from "../../arch/pointer.js";

/** The struct page fields SLUB reads and writes (PageArray in src/mm/page_alloc/). */
export interface SlabPageArray {
  /** slab->slab_cache as an id (−1 = not a slab page). */
  slabCacheId(pfn: number): number;
  setSlabCacheId(pfn: number, id: number): void;
  /** __folio_set_slab / __folio_clear_slab (PGTY_slab page type on the head page). */
  setPageType(pfn: number, pgty: number): void;
  clearPageType(pfn: number): void;
}

export interface SlabPageAllocator {
  /** alloc_pages(gfp, order): head pfn, or −1 when the allocation fails. */
  allocPages(gfp: number, order: number): number;
  /** __free_pages(page, order). */
  freePages(pfn: number, order: number): void;
  /** page_address(page): linear-map pointer carrying the page's KASAN tag. */
  pageAddress(pfn: number): Ptr;
  /** virt_to_pfn(ptr), −1 when the pointer is not in the linear map. */
  virtToPfn(ptr: Ptr): number;
  /** compound_head(page) as a pfn. */
  compoundHead(pfn: number): number;
  /** compound_order(page) (0 for a non-compound page). */
  compoundOrder(pfn: number): number;
  readonly pages: SlabPageArray;
}
