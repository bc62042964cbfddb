/**
 * The page allocator (mm/page_alloc.c, 6.12): alloc_pages / __free_pages for one zone holding all
 * simulated RAM, built from the zone's buddy lists (`Zone`) and the per-CPU lists
 * (`PerCpuPages`), with the KASAN and init decisions of post_alloc_hook / free_pages_prepare
 * (`page-hooks.ts`). Orders 0..3 and the THP order go through the per-CPU lists, so a page freed
 * on a CPU is the next one that CPU allocates; other orders go straight to the buddy lists.
 *
 * Boot (memblock_free_all): the first `reservedBytes` of RAM (kernel image + memmap, see
 * `defaultReservedBytes`) are PG_reserved and never freed; the rest is handed to the buddy lists
 * as maximal aligned blocks on the tail of the MIGRATE_MOVABLE lists, with page tag 0xFF and
 * without calling KASAN or zeroing (every tag mode skips poisoning of 0xFF-tagged pages; the
 * generic shadow of boot memory is the KASAN layer's initial state — see `forEachFreeBlock`).
 *
 * Not modelled: other zones and nodes (GFP_DMA/DMA32/HIGHMEM accepted, served from the one
 * zone), watermark-based failures and reclaim (an allocation fails only when no block is free
 * even after draining every CPU's lists), HIGHATOMIC/CMA/ISOLATE, page refcounts, time-based
 * pcp->high decay, PCPF_FREE_HIGH_BATCH (LLC slice assumed small), movable-page counting when
 * claiming a pageblock (allocated pages count as non-movable).
 */
import type { Ptr } from "../../arch/pointer.js";
import { makePtr } from "../../arch/pointer.js";
import type { KasanMode } from "../../config/mode.js";
import type { Counters } from "../../cost/counters.js";
import type { ExecContext } from "../../lib/context.js";
import type { ArchPageOps } from "../arch-page-ops.js";
import { __GFP_COMP, gfpForMode, gfpMigratetype } from "../gfp.js";
import type { KasanHooks } from "../kasan-hooks.js";
import { MAX_ORDER, PAGE_SIZE, PHYS_PFN_OFFSET, linearPtrToPfn, pfnToOffset } from "../memory-layout.js";
import { MIGRATE_PCPTYPES, MIGRATE_TYPES, NR_PAGE_ORDERS, NR_PCP_LISTS, orderToPindex, pcpAllowedOrder } from "./migratetype.js";
import { PageArray, STATE_ORDER_MASK, STATE_PCP, STATE_TAIL, clearPrepFlagsAt } from "./page-array.js";
import { PGTY_buddy, PG_head, PG_reserved } from "./page-flags.js";
import { freePagesPrepareKasan, postAllocHook, type PageHookEnv } from "./page-hooks.js";
import { PageLists } from "./page-lists.js";
import { PerCpuPages } from "./per-cpu-pages.js";
import { NR_BUDDY_LISTS, Zone, buddyList } from "./zone.js";
import { pcpParams, zoneWatermarks, type Watermarks } from "./zone-params.js";

export const DEFAULT_MEMORY_BYTES = 2 * 2 ** 30;
/** Largest simulated RAM accepted (the linear map region is far larger; this bounds host memory). */
export const MAX_MEMORY_BYTES = 1024 * 2 ** 30;
/** Kernel image, data and early allocations below the memmap. */
export const KERNEL_IMAGE_BYTES = 16 * 2 ** 20;
const MAX_ORDER_BYTES = PAGE_SIZE << MAX_ORDER;
/** sizeof(struct page). */
const STRUCT_PAGE_BYTES = 64;

/** Reserved at boot: the kernel image (16 MiB) plus the memmap (64 bytes per page), in 4 MiB units. */
export function defaultReservedBytes(memoryBytes: number): number {
  const memmap = (memoryBytes / PAGE_SIZE) * STRUCT_PAGE_BYTES;
  return Math.ceil((KERNEL_IMAGE_BYTES + memmap) / MAX_ORDER_BYTES) * MAX_ORDER_BYTES;
}

/** Tracepoints mm_page_alloc / mm_page_free (attach one to observe; none costs nothing). */
export interface PageAllocTracer {
  mmPageAlloc(pfn: number, order: number, gfp: number, migratetype: number): void;
  mmPageFree(pfn: number, order: number): void;
}

export interface PageAllocatorOptions {
  /** Simulated RAM, a multiple of 4 MiB (default 2 GiB). */
  memoryBytes?: number;
  nrCpus: number;
  hooks: KasanHooks;
  arch: ArchPageOps;
  counters: Counters;
  ctx: ExecContext;
  /** init_on_alloc= */
  initOnAlloc: boolean;
  /** init_on_free= */
  initOnFree: boolean;
  mode: KasanMode;
  /** RAM kept out of the buddy allocator at boot, from the start (default `defaultReservedBytes`). */
  reservedBytes?: number;
  /** CONFIG_TRANSPARENT_HUGEPAGE: order-9 blocks also use per-CPU lists (default true). */
  thp?: boolean;
  /** A memmap built beforehand (e.g. so KASAN can be constructed first); must match the size. */
  pages?: PageArray;
  /** Policy "untagged-by-default" (src/policy): hw_tags unpoisons only __GFP_TAGGED allocations. */
  untaggedByDefault?: boolean;
}

/** A memmap for `memoryBytes` of RAM starting at PHYS_OFFSET. */
export function createPageArray(memoryBytes: number = DEFAULT_MEMORY_BYTES): PageArray {
  checkMemoryBytes(memoryBytes);
  return new PageArray(PHYS_PFN_OFFSET, PHYS_PFN_OFFSET + memoryBytes / PAGE_SIZE);
}

function checkMemoryBytes(memoryBytes: number): void {
  if (!Number.isInteger(memoryBytes) || memoryBytes <= 0 || memoryBytes % MAX_ORDER_BYTES !== 0 || memoryBytes > MAX_MEMORY_BYTES) {
    throw new Error(
      `memoryBytes must be a positive multiple of ${MAX_ORDER_BYTES} (4 MiB) up to ${MAX_MEMORY_BYTES}, got ${memoryBytes}`,
    );
  }
}

export class PageAllocator implements PageHookEnv {
  readonly pages: PageArray;
  readonly minPfn: number;
  readonly maxPfn: number;
  readonly hooks: KasanHooks;
  readonly arch: ArchPageOps;
  readonly counters: Counters;
  readonly ctx: ExecContext;
  readonly initOnAlloc: boolean;
  readonly initOnFree: boolean;
  readonly mode: KasanMode;
  readonly softwareKasanMode: boolean;
  readonly genericKasanMode: boolean;
  private readonly hwTagsBuild: boolean;
  readonly nrCpus: number;
  readonly thp: boolean;
  /** Policy hook read by post_alloc_hook (see page-hooks.ts shouldSkipKasanUnpoison). */
  readonly untaggedByDefault: boolean;
  /** Pages given to the buddy allocator at boot (zone_managed_pages). */
  readonly managedPages: number;
  readonly reservedPages: number;
  readonly watermarks: Readonly<Watermarks>;
  /** Attach to observe mm_page_alloc / mm_page_free. */
  tracer: PageAllocTracer | undefined = undefined;

  /** The zone's buddy free lists. */
  readonly zone: Zone;
  /** The per-CPU page lists. */
  readonly pcp: PerCpuPages;

  constructor(opts: PageAllocatorOptions) {
    const memoryBytes = opts.memoryBytes ?? DEFAULT_MEMORY_BYTES;
    checkMemoryBytes(memoryBytes);
    if (!Number.isInteger(opts.nrCpus) || opts.nrCpus < 1) {
      throw new Error(`nrCpus must be a positive integer, got ${opts.nrCpus}`);
    }
    if (opts.ctx.nrCpus !== opts.nrCpus) {
      throw new Error(`nrCpus (${opts.nrCpus}) must equal ctx.nrCpus (${opts.ctx.nrCpus})`);
    }
    const reservedBytes = opts.reservedBytes ?? defaultReservedBytes(memoryBytes);
    if (!Number.isInteger(reservedBytes) || reservedBytes < 0 || reservedBytes % PAGE_SIZE !== 0 || reservedBytes >= memoryBytes) {
      throw new Error(`reservedBytes must be a multiple of ${PAGE_SIZE} in [0, memoryBytes), got ${reservedBytes}`);
    }
    this.hooks = opts.hooks;
    this.arch = opts.arch;
    this.counters = opts.counters;
    this.ctx = opts.ctx;
    this.initOnAlloc = opts.initOnAlloc;
    this.initOnFree = opts.initOnFree;
    this.mode = opts.mode;
    this.softwareKasanMode = opts.mode === "generic" || opts.mode === "sw_tags";
    this.genericKasanMode = opts.mode === "generic";
    this.hwTagsBuild = opts.mode === "hw_tags";
    this.nrCpus = opts.nrCpus;
    this.thp = opts.thp ?? true;
    this.untaggedByDefault = opts.untaggedByDefault ?? false;

    const pages = opts.pages ?? createPageArray(memoryBytes);
    if (pages.minPfn !== PHYS_PFN_OFFSET || pages.nrPages * PAGE_SIZE !== memoryBytes) {
      throw new Error(`pages must be a memmap of memoryBytes (${memoryBytes}) from PHYS_PFN_OFFSET, e.g. createPageArray(memoryBytes)`);
    }
    this.pages = pages;
    this.minPfn = pages.minPfn;
    this.maxPfn = pages.maxPfn;
    this.reservedPages = reservedBytes / PAGE_SIZE;
    this.managedPages = pages.nrPages - this.reservedPages;
    this.watermarks = zoneWatermarks(this.managedPages);
    const lists = new PageLists(pages.nrPages, NR_BUDDY_LISTS + this.nrCpus * NR_PCP_LISTS);
    this.zone = new Zone(pages, lists, this.counters, this.watermarks);
    this.pcp = new PerCpuPages(this.zone, this.nrCpus, pcpParams(this.managedPages, this.watermarks.low, this.nrCpus), NR_BUDDY_LISTS);
    this.zone.memblockFreeAll(this.reservedPages);
  }

  // ------------------------------------------------------------------------------------------
  // Public API

  /** alloc_pages(gfp, order): the first pfn of a 2^order block, or -1 when out of memory. */
  allocPages(gfp: number, order: number): number {
    if (!Number.isInteger(order) || order < 0) throw new Error(`allocPages: order must be a non-negative integer, got ${order}`);
    if (!Number.isInteger(gfp) || gfp < 0 || gfp > 0xffffffff) {
      throw new Error(`allocPages: gfp must be a 32-bit unsigned integer, got ${gfp}`);
    }
    // Orders above MAX_PAGE_ORDER: the kernel warns and returns NULL.
    if (order > MAX_ORDER) {
      this.counters.cur.pageAllocFailures++;
      return -1;
    }
    if (!this.hwTagsBuild) gfp = gfpForMode(gfp, this.mode); // hw_tags keeps the mask as is
    const mt = gfpMigratetype(gfp);
    if (mt >= MIGRATE_PCPTYPES) throw new Error(`allocPages: gfp must not have both __GFP_MOVABLE and __GFP_RECLAIMABLE (0x${gfp.toString(16)})`);
    const cpu = this.cpu();

    const zone = this.zone;
    if (!zone.belowHigh && !zone.watermarkOk(order, this.watermarks.high)) zone.belowHigh = true;
    let i = this.rmqueue(cpu, order, mt);
    if (i < 0) {
      // Slow path before giving up: drain_all_pages() and retry once.
      this.drainAllPages();
      i = this.rmqueue(cpu, order, mt);
      if (i < 0) {
        this.counters.cur.pageAllocFailures++;
        return -1;
      }
    }
    const pfn = i + this.minPfn;
    this.prepNewPage(i, pfn, order, gfp);
    const c = this.counters.cur;
    c.pageAllocs++;
    c.pagesAllocated += 2 ** order;
    if (this.tracer !== undefined) this.tracer.mmPageAlloc(pfn, order, gfp, mt);
    return pfn;
  }

  /** __free_pages(page, order). */
  freePages(pfn: number, order: number): void {
    const i = this.pages.index(pfn);
    if (!Number.isInteger(order) || order < 0 || order > MAX_ORDER) {
      throw new Error(`freePages: order must be an integer in [0, ${MAX_ORDER}], got ${order}`);
    }
    if ((i & ((1 << order) - 1)) !== 0) throw new Error(`freePages: pfn 0x${pfn.toString(16)} is not aligned to order ${order}`);
    if (i + 2 ** order > this.pages.nrPages) throw new Error(`freePages: block at pfn 0x${pfn.toString(16)} order ${order} runs past the end of RAM`);
    const st = this.pages.state[i];
    const ty = this.pages.type[i];
    if (ty === PGTY_buddy || (st & STATE_PCP) !== 0) throw new Error(`freePages: pfn 0x${pfn.toString(16)} is already free (double free)`);
    if ((st & STATE_TAIL) !== 0) throw new Error(`freePages: pfn 0x${pfn.toString(16)} is a tail page of a compound page`);
    if (ty !== 0) throw new Error(`freePages: pfn 0x${pfn.toString(16)} still has page type 0x${ty.toString(16)} (clear PageSlab/PageTable first)`);
    const flags = this.pages.flagsArr[i];
    if ((flags & (1 << PG_reserved)) !== 0) throw new Error(`freePages: pfn 0x${pfn.toString(16)} is PG_reserved`);
    if ((flags & (1 << PG_head)) !== 0 && (st & STATE_ORDER_MASK) !== order) {
      throw new Error(`freePages: order ${order} does not match compound order ${st & STATE_ORDER_MASK} of pfn 0x${pfn.toString(16)}`);
    }
    const cpu = this.cpu();
    if (this.tracer !== undefined) this.tracer.mmPageFree(pfn, order);
    const c = this.counters.cur;
    c.pageFrees++;
    c.pagesFreed += 2 ** order;
    this.freeUnrefPage(cpu, i, pfn, order);
  }

  /** page_address(page): the linear-map pointer, tagged with page_kasan_tag(page). */
  pageAddress(pfn: number): Ptr {
    return makePtr(this.pages.kasanTag(pfn), pfnToOffset(pfn));
  }

  /** virt_to_page(): pfn of a linear-map pointer (tag ignored); -1 outside the linear map or RAM. */
  virtToPfn(ptr: Ptr): number {
    return linearPtrToPfn(ptr, this.minPfn, this.maxPfn);
  }

  /** compound_head(). */
  compoundHead(pfn: number): number {
    return this.pages.compoundHead(pfn);
  }

  /** compound_order(): 0 unless `pfn` is a compound head. */
  compoundOrder(pfn: number): number {
    return this.pages.compoundOrder(pfn);
  }

  /** Free pages in the buddy lists plus every CPU's lists. */
  freePagesCount(): number {
    let n = this.zone.nrFree;
    for (let cpu = 0; cpu < this.nrCpus; cpu++) n += this.pcp.count[cpu];
    return n;
  }

  /** NR_FREE_PAGES: pages in the buddy lists only. */
  get nrFreePages(): number {
    return this.zone.nrFree;
  }

  /** free_area[order].nr_free. */
  nrFreeBlocks(order: number): number {
    return this.zone.nrFreeArea[order];
  }

  /** Pages on `cpu`'s per-CPU lists (pcp->count). */
  pcpCount(cpu: number): number {
    return this.pcp.count[cpu];
  }

  /** Current pcp->batch / high / high_min / high_max / alloc_factor / free_count of `cpu`. */
  pcpState(cpu: number): { batch: number; high: number; highMin: number; highMax: number; allocFactor: number; freeCount: number } {
    const p = this.pcp;
    return {
      batch: p.batch,
      high: p.high[cpu],
      highMin: p.highMin,
      highMax: p.highMax,
      allocFactor: p.allocFactor[cpu],
      freeCount: p.freeCount[cpu],
    };
  }

  /** First pfns of the free blocks on free_area[order].free_list[mt], head first. */
  freeListPfns(order: number, mt: number): number[] {
    return this.zone.lists.toArray(buddyList(order, mt)).map((i) => i + this.minPfn);
  }

  /** Pfns on `cpu`'s per-CPU list for (order, mt), head (next to be allocated) first. */
  pcpListPfns(cpu: number, order: number, mt: number): number[] {
    return this.zone.lists.toArray(this.pcp.list(cpu, orderToPindex(mt, order))).map((i) => i + this.minPfn);
  }

  /** get_pageblock_migratetype(). */
  pageblockMigratetype(pfn: number): number {
    return this.zone.migratetype(this.pages.index(pfn));
  }

  /** Every free block in the buddy lists (e.g. for KASAN to set up its initial state). */
  forEachFreeBlock(fn: (pfn: number, order: number) => void): void {
    for (let order = 0; order < NR_PAGE_ORDERS; order++) {
      for (let mt = 0; mt < MIGRATE_TYPES; mt++) {
        for (const i of this.zone.lists.toArray(buddyList(order, mt))) fn(i + this.minPfn, order);
      }
    }
  }

  /** drain_all_pages(): return every CPU's per-CPU pages to the buddy lists. */
  drainAllPages(): void {
    for (let cpu = 0; cpu < this.nrCpus; cpu++) this.pcp.drain(cpu);
  }

  /** drain_local_pages(): the current CPU's (or `cpu`'s) per-CPU pages back to the buddy lists. */
  drainLocalPages(cpu: number = this.ctx.cpu): void {
    this.pcp.drain(cpu);
  }

  // ------------------------------------------------------------------------------------------
  // Allocation

  private cpu(): number {
    const cpu = this.ctx.cpu;
    if (!(cpu >= 0 && cpu < this.nrCpus)) throw new Error(`ctx.cpu must be in [0, ${this.nrCpus}), got ${cpu}`);
    return cpu;
  }

  /** rmqueue(): per-CPU lists for small orders, else (or when they fail) the buddy lists. */
  private rmqueue(cpu: number, order: number, mt: number): number {
    if (pcpAllowedOrder(order, this.thp)) {
      const i = this.pcp.rmqueue(cpu, order, mt);
      if (i >= 0) return i;
    }
    return this.zone.rmqueue(order, mt);
  }

  /** prep_new_page(): post_alloc_hook, then the compound metadata for __GFP_COMP. */
  private prepNewPage(i: number, pfn: number, order: number, gfp: number): void {
    postAllocHook(this, pfn, order, gfp);
    if (order > 0 && (gfp & __GFP_COMP) !== 0) {
      // prep_compound_page: PG_head + order on the head, PageTail on the rest.
      this.pages.flagsArr[i] |= 1 << PG_head;
      this.pages.state[i] = order;
      this.pages.state.fill(STATE_TAIL, i + 1, i + 2 ** order);
    }
  }

  // ------------------------------------------------------------------------------------------
  // Free

  /** free_unref_page(): per-CPU list for small orders, else straight to the buddy lists. */
  private freeUnrefPage(cpu: number, i: number, pfn: number, order: number): void {
    this.freePagesPrepare(i, pfn, order);
    if (!pcpAllowedOrder(order, this.thp)) {
      this.zone.freeOnePage(i, order);
      return;
    }
    this.pcp.freeCommit(cpu, i, this.zone.migratetype(i), order);
  }

  /** free_pages_prepare(): drop compound/flag state, then KASAN poisoning and init_on_free. */
  private freePagesPrepare(i: number, pfn: number, order: number): void {
    const nr = 2 ** order;
    const p = this.pages;
    if (order > 0) {
      // free_tail_page_prepare clears compound_head on every tail.
      p.state.fill(0, i + 1, i + nr);
    }
    p.state[i] = 0;
    clearPrepFlagsAt(p.flagsArr, i, nr);
    p.clearSlabCacheIdRange(pfn, nr);
    freePagesPrepareKasan(this, pfn, order);
  }

}

