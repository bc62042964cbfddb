/**
 * A minimal page allocator for slab tests and benches (a test double of PageAllocator, so SLUB
 * can be tested on its own): fresh blocks come from a bump pointer at their natural alignment,
 * freed blocks are reused LIFO per order, nothing coalesces. It keeps the struct page fields SLUB
 * touches (slab cache id, page type, KASAN page tag, compound head/order), calls the page KASAN
 * hooks and counts like the real allocator, and logs every allocation's gfp for tests.
 */
import { type Ptr, makePtr } from "../../arch/pointer.js";
import type { Counters } from "../../cost/counters.js";
import { __GFP_COMP, __GFP_SKIP_KASAN, __GFP_ZERO } from "../gfp.js";
import type { KasanHooks } from "../kasan-hooks.js";
import { MAX_ORDER, PHYS_PFN_OFFSET, linearPtrToPfn, pfnToOffset } from "../memory-layout.js";
import type { SlabPageAllocator, SlabPageArray } from "./page-source.js";

class FakePageArray implements SlabPageArray {
  readonly slabId: Int32Array;
  readonly type: Uint8Array;
  readonly tag: Uint8Array;
  constructor(
    readonly minPfn: number,
    nrPages: number,
  ) {
    this.slabId = new Int32Array(nrPages).fill(-1);
    this.type = new Uint8Array(nrPages);
    this.tag = new Uint8Array(nrPages).fill(0xff);
  }
  slabCacheId(pfn: number): number {
    return this.slabId[pfn - this.minPfn];
  }
  setSlabCacheId(pfn: number, id: number): void {
    this.slabId[pfn - this.minPfn] = id;
  }
  setPageType(pfn: number, pgty: number): void {
    const i = pfn - this.minPfn;
    if (this.type[i] !== 0) throw new Error(`setPageType: pfn 0x${pfn.toString(16)} already has a type`);
    this.type[i] = pgty;
  }
  clearPageType(pfn: number): void {
    this.type[pfn - this.minPfn] = 0;
  }
  kasanTag(pfn: number): number {
    return this.tag[pfn - this.minPfn];
  }
  setKasanTagRange(pfn: number, nr: number, tag: number): void {
    this.tag.fill(tag, pfn - this.minPfn, pfn - this.minPfn + nr);
  }
  resetKasanTagRange(pfn: number, nr: number): void {
    this.tag.fill(0xff, pfn - this.minPfn, pfn - this.minPfn + nr);
  }
}

export interface FakePageAlloc {
  pfn: number;
  order: number;
  gfp: number;
}

export class FakePageAllocator implements SlabPageAllocator {
  readonly pages: FakePageArray;
  readonly minPfn = PHYS_PFN_OFFSET;
  readonly maxPfn: number;
  /** Every successful allocation, in order (clear it freely). */
  readonly log: FakePageAlloc[] = [];
  logAllocations = true;
  private bump: number;
  private readonly freeLists: number[][] = [];
  /** Per page: order of the block it heads (+1), −(head index + 1) for tail pages, 0 if free. */
  private readonly headOrder: Int32Array;

  constructor(
    memoryBytes: number,
    private readonly hooks: KasanHooks,
    private readonly counters: Counters,
  ) {
    const nr = Math.floor(memoryBytes / 4096);
    if (nr < 1) throw new Error(`FakePageAllocator: memoryBytes must be at least one page, got ${memoryBytes}`);
    this.pages = new FakePageArray(this.minPfn, nr);
    this.maxPfn = this.minPfn + nr;
    this.headOrder = new Int32Array(nr);
    this.bump = 0;
    for (let o = 0; o <= MAX_ORDER; o++) this.freeLists.push([]);
  }

  allocPages(gfp: number, order: number): number {
    if (order > MAX_ORDER) return -1;
    let i = this.freeLists[order].pop();
    if (i === undefined) {
      const size = 2 ** order;
      const start = Math.ceil(this.bump / size) * size;
      if (start + size > this.maxPfn - this.minPfn) return -1;
      i = start;
      this.bump = start + size;
    }
    const nr = 2 ** order;
    this.headOrder[i] = order + 1;
    for (let k = 1; k < nr; k++) this.headOrder[i + k] = (gfp & __GFP_COMP) !== 0 ? -(i + 1) : 0;
    const pfn = i + this.minPfn;
    const c = this.counters.cur;
    c.pageAllocs++;
    c.pagesAllocated += nr;
    const init = (gfp & __GFP_ZERO) !== 0;
    if ((gfp & __GFP_SKIP_KASAN) === 0) this.hooks.unpoisonPages(pfn, order, init);
    if (this.logAllocations) this.log.push({ pfn, order, gfp });
    return pfn;
  }

  freePages(pfn: number, order: number): void {
    const i = pfn - this.minPfn;
    if (this.headOrder[i] !== order + 1) throw new Error(`freePages: pfn 0x${pfn.toString(16)} is not an allocated order-${order} block`);
    if (this.pages.type[i] !== 0) throw new Error(`freePages: pfn 0x${pfn.toString(16)} still has a page type`);
    const nr = 2 ** order;
    this.hooks.poisonPages(pfn, order, false);
    this.headOrder.fill(0, i, i + nr);
    this.pages.resetKasanTagRange(pfn, nr);
    this.freeLists[order].push(i);
    const c = this.counters.cur;
    c.pageFrees++;
    c.pagesFreed += nr;
  }

  pageAddress(pfn: number): Ptr {
    return makePtr(this.pages.kasanTag(pfn), pfnToOffset(pfn));
  }

  virtToPfn(ptr: Ptr): number {
    return linearPtrToPfn(ptr, this.minPfn, this.maxPfn);
  }

  compoundHead(pfn: number): number {
    const v = this.headOrder[pfn - this.minPfn];
    return v < 0 ? -v - 1 + this.minPfn : pfn;
  }

  compoundOrder(pfn: number): number {
    const v = this.headOrder[pfn - this.minPfn];
    return v > 0 ? v - 1 : 0;
  }

  /** Pages currently allocated. */
  allocatedPages(): number {
    let n = 0;
    for (let i = 0; i < this.headOrder.length; i++) if (this.headOrder[i] !== 0) n++;
    return n;
  }
}
