/**
 * Page-table page allocation (include/asm-generic/pgalloc.h, include/linux/mm.h, arm64
 * arch/arm64/mm/pgd.c, 6.12): every level below the PGD comes from pagetable_alloc(gfp, 0) =
 * alloc_pages(gfp | __GFP_COMP, 0) followed by its ptdesc constructor (__folio_set_pgtable:
 * PageTable), and goes back through the destructor and pagetable_free. The PGD is page sized with
 * 48-bit VA and 4 KiB pages, so arm64's pgd_alloc takes it with __get_free_page(GFP_PGTABLE_USER)
 * (no __GFP_COMP, no ctor) and pgd_free gives it back with free_page.
 *
 *   GFP_PGTABLE_KERNEL = GFP_KERNEL | __GFP_ZERO          (init_mm / kernel mappings)
 *   GFP_PGTABLE_USER   = GFP_PGTABLE_KERNEL | __GFP_ACCOUNT
 * Policy skip-pgtables (seed 001 patch 3) adds __GFP_SKIP_KASAN to both; untagged-by-default
 * gives the same result because page tables never opt in.
 *
 * Counting: work is attributed to origin "pageTable"; pageTableAllocs / pageTableFrees count
 * table pages (the PGD included).
 */
import type { Counters } from "../../cost/counters.js";
import type { TaggingPolicy } from "../../policy/policies.js";
import { GFP_KERNEL, __GFP_ACCOUNT, __GFP_COMP, __GFP_SKIP_KASAN, __GFP_ZERO } from "../gfp.js";
import { PGTY_table } from "../page_alloc/page-flags.js";
import type { PageArray } from "../page_alloc/page-array.js";

export const GFP_PGTABLE_KERNEL = GFP_KERNEL | __GFP_ZERO;
export const GFP_PGTABLE_USER = GFP_PGTABLE_KERNEL | __GFP_ACCOUNT;

/** The page allocator as page tables use it. */
export interface PgtablePageAllocator {
  readonly pages: PageArray;
  allocPages(gfp: number, order: number): number;
  freePages(pfn: number, order: number): void;
}

export class PagetableAllocator {
  /** GFP_PGTABLE_USER as this kernel's policy defines it. */
  readonly gfpUser: number;
  /** GFP_PGTABLE_KERNEL as this kernel's policy defines it. */
  readonly gfpKernel: number;

  constructor(
    private readonly pages: PgtablePageAllocator,
    private readonly counters: Counters,
    policy: TaggingPolicy,
  ) {
    const skip = policy.skipPgtables || policy.untaggedByDefault ? __GFP_SKIP_KASAN : 0;
    this.gfpUser = GFP_PGTABLE_USER | skip;
    this.gfpKernel = GFP_PGTABLE_KERNEL | skip;
  }

  /** pgd_alloc(mm) on arm64 with a page-sized PGD: __get_free_page(GFP_PGTABLE_USER). -1 on OOM. */
  pgdAlloc(): number {
    const c = this.counters;
    c.enter("pageTable");
    try {
      const pfn = this.pages.allocPages(this.gfpUser, 0);
      if (pfn >= 0) c.cur.pageTableAllocs++;
      return pfn;
    } finally {
      c.leave();
    }
  }

  /** pgd_free(mm, pgd): free_page — the same order-0 free as pagetable_free. */
  pgdFree(pfn: number): void {
    this.tableFree(pfn);
  }

  /**
   * pagetable_alloc(gfp, 0) + pagetable_{pud,pmd,pte}_ctor: a PUD, PMD or PTE table page for a
   * user (`user`) or kernel mapping. -1 on OOM.
   */
  tableAlloc(user: boolean): number {
    const c = this.counters;
    c.enter("pageTable");
    try {
      const pfn = this.pages.allocPages((user ? this.gfpUser : this.gfpKernel) | __GFP_COMP, 0);
      if (pfn < 0) return -1;
      this.pages.pages.setPageType(pfn, PGTY_table);
      c.cur.pageTableAllocs++;
      return pfn;
    } finally {
      c.leave();
    }
  }

  /** pagetable_*_dtor: __folio_clear_pgtable (done when the table is unhooked, before the free). */
  tableDtor(pfn: number): void {
    this.pages.pages.clearPageType(pfn);
  }

  /** pagetable_free (after the dtor): __free_pages(page, 0). */
  tableFree(pfn: number): void {
    const c = this.counters;
    c.enter("pageTable");
    try {
      this.pages.freePages(pfn, 0);
      c.cur.pageTableFrees++;
    } finally {
      c.leave();
    }
  }
}
