/**
 * The zone's buddy free lists (struct zone free_area[], mm/page_alloc.c 6.12): one zone holding
 * all managed pages. Free blocks of order 0..MAX_ORDER sit on per-(order, migratetype) lists;
 * allocation takes the smallest block that fits (`__rmqueue_smallest`), splitting it (`expand`,
 * upper halves to the list heads), or takes a block of another migratetype (`__rmqueue_fallback`,
 * claiming whole pageblocks when worthwhile). Freeing merges with free buddies
 * (`__free_one_page`). Works on page indices (pfn − minPfn); minPfn is 1024-aligned, so buddy
 * arithmetic on indices equals the kernel's on pfns.
 */
import type { Counters } from "../../cost/counters.js";
import { MAX_ORDER } from "../memory-layout.js";
import {
  FALLBACKS,
  MIGRATE_MOVABLE,
  MIGRATE_TYPES,
  NR_PAGE_ORDERS,
  PAGEBLOCK_NR_PAGES,
  PAGEBLOCK_ORDER,
  canStealFallback,
} from "./migratetype.js";
import { STATE_ORDER_MASK, type PageArray } from "./page-array.js";
import { PGTY_buddy, PG_reserved } from "./page-flags.js";
import type { PageLists } from "./page-lists.js";
import type { Watermarks } from "./zone-params.js";

/** Number of buddy free lists; they are lists 0.. of the shared `PageLists`. */
export const NR_BUDDY_LISTS = MIGRATE_TYPES * NR_PAGE_ORDERS;

/** List index of free_area[order].free_list[mt]. */
export function buddyList(order: number, mt: number): number {
  return order * MIGRATE_TYPES + mt;
}

export class Zone {
  /** Per-pageblock migratetype (pageblock_flags). */
  readonly pageblockMt: Uint8Array;
  /** free_area[order].nr_free: free blocks of each order, all migratetypes. */
  readonly nrFreeArea = new Int32Array(NR_PAGE_ORDERS);
  /** NR_FREE_PAGES: pages in the buddy lists (per-CPU lists excluded). */
  nrFree = 0;
  /** ZONE_BELOW_HIGH: free pages dropped below the high watermark. */
  belowHigh = false;
  private readonly nrPages: number;

  constructor(
    readonly pages: PageArray,
    readonly lists: PageLists,
    readonly counters: Counters,
    readonly watermarks: Readonly<Watermarks>,
  ) {
    this.nrPages = pages.nrPages;
    this.pageblockMt = new Uint8Array(Math.ceil(this.nrPages / PAGEBLOCK_NR_PAGES)).fill(MIGRATE_MOVABLE);
  }

  /** get_pageblock_migratetype() of page index `i`. */
  migratetype(i: number): number {
    return this.pageblockMt[i >>> PAGEBLOCK_ORDER];
  }

  /** __rmqueue(). */
  rmqueue(order: number, mt: number): number {
    const i = this.rmqueueSmallest(order, mt);
    return i >= 0 ? i : this.rmqueueFallback(order, mt);
  }

  /** __rmqueue_smallest(): first block on the smallest non-empty list of this type. */
  private rmqueueSmallest(order: number, mt: number): number {
    for (let co = order; co < NR_PAGE_ORDERS; co++) {
      const i = this.lists.first(buddyList(co, mt));
      if (i < 0) continue;
      this.pageDelAndExpand(i, order, co, mt);
      return i;
    }
    return -1;
  }

  /** __rmqueue_fallback(): take a block of another migratetype, largest first. */
  private rmqueueFallback(order: number, startMt: number): number {
    let co = MAX_ORDER;
    let fallbackMt = -1;
    let canSteal = false;
    for (; co >= order; co--) {
      fallbackMt = this.findSuitableFallback(co, startMt);
      if (fallbackMt < 0) continue;
      canSteal = canStealFallback(co, startMt);
      break;
    }
    if (fallbackMt < 0) return -1;
    if (!canSteal && startMt === MIGRATE_MOVABLE && co > order) {
      // find_smallest: a movable allocation that may not claim the block takes the smallest one.
      for (co = order; co < NR_PAGE_ORDERS; co++) {
        fallbackMt = this.findSuitableFallback(co, startMt);
        if (fallbackMt >= 0) break;
      }
      canSteal = canStealFallback(co, startMt);
    }
    const i = this.lists.first(buddyList(co, fallbackMt));
    return this.stealSuitableFallback(i, co, order, startMt, canSteal);
  }

  /** find_suitable_fallback(..., only_stealable=false). */
  private findSuitableFallback(order: number, mt: number): number {
    if (this.nrFreeArea[order] === 0) return -1;
    const fb = FALLBACKS[mt];
    for (let k = 0; k < fb.length; k++) {
      if (!this.lists.empty(buddyList(order, fb[k]))) return fb[k];
    }
    return -1;
  }

  /** steal_suitable_fallback(): claim the pageblock(s) if worthwhile, else split in place. */
  private stealSuitableFallback(i: number, co: number, order: number, startMt: number, wholeBlock: boolean): number {
    const blockType = this.pageblockMt[i >>> PAGEBLOCK_ORDER];
    if (co >= PAGEBLOCK_ORDER) {
      // Take ownership of every pageblock the block spans.
      this.delFromFreeList(i, co);
      this.nrFree -= 2 ** co;
      for (let b = i >>> PAGEBLOCK_ORDER; b < (i + 2 ** co) >>> PAGEBLOCK_ORDER; b++) this.pageblockMt[b] = startMt;
      this.nrFree += this.expand(i, order, co, startMt);
      return i;
    }
    if (wholeBlock) {
      const start = i - (i % PAGEBLOCK_NR_PAGES);
      if (start + PAGEBLOCK_NR_PAGES <= this.nrPages) {
        const freePages = this.countFreeInBlock(start);
        const movablePages = 0;
        // Non-movable allocations treat a movable block's used pages as alike.
        const alikePages = startMt === MIGRATE_MOVABLE ? movablePages : blockType === MIGRATE_MOVABLE ? PAGEBLOCK_NR_PAGES - (freePages + movablePages) : 0;
        if (freePages + alikePages >= PAGEBLOCK_NR_PAGES / 2) {
          this.moveFreepagesBlock(start, startMt);
          return this.rmqueueSmallest(order, startMt);
        }
      }
    }
    this.pageDelAndExpand(i, order, co, blockType);
    return i;
  }

  /** Free pages in the pageblock at `start` (prep_move_freepages_block's count). */
  private countFreeInBlock(start: number): number {
    const type = this.pages.type;
    const state = this.pages.state;
    let free = 0;
    for (let k = start; k < start + PAGEBLOCK_NR_PAGES; ) {
      if (type[k] === PGTY_buddy) {
        const n = 2 ** (state[k] & STATE_ORDER_MASK);
        free += n;
        k += n;
      } else {
        k++;
      }
    }
    return free;
  }

  /** move_freepages_block(): re-list the block's free pages under `newMt` and retype it. */
  private moveFreepagesBlock(start: number, newMt: number): void {
    const type = this.pages.type;
    const state = this.pages.state;
    for (let k = start; k < start + PAGEBLOCK_NR_PAGES; ) {
      if (type[k] === PGTY_buddy) {
        const o = state[k] & STATE_ORDER_MASK;
        this.lists.del(k);
        this.lists.addTail(buddyList(o, newMt), k);
        k += 2 ** o;
      } else {
        k++;
      }
    }
    this.pageblockMt[start >>> PAGEBLOCK_ORDER] = newMt;
  }

  /** page_del_and_expand(). */
  private pageDelAndExpand(i: number, low: number, high: number, mt: number): void {
    this.delFromFreeList(i, high);
    this.nrFree -= 2 ** high - this.expand(i, low, high, mt);
  }

  /** expand(): split down to `low`, upper halves onto the list heads; returns pages re-listed. */
  private expand(i: number, low: number, high: number, mt: number): number {
    let size = 2 ** high;
    let added = 0;
    const c = this.counters.cur;
    while (high > low) {
      high--;
      size >>= 1;
      this.addToFreeList(i + size, high, mt, false);
      added += size;
      c.buddySplits++;
    }
    return added;
  }

  private addToFreeList(i: number, order: number, mt: number, tail: boolean): void {
    const list = buddyList(order, mt);
    if (tail) this.lists.addTail(list, i);
    else this.lists.add(list, i);
    this.pages.type[i] = PGTY_buddy;
    this.pages.state[i] = order;
    this.nrFreeArea[order]++;
  }

  private delFromFreeList(i: number, order: number): void {
    this.lists.del(i);
    this.pages.type[i] = 0;
    this.pages.state[i] = 0;
    this.nrFreeArea[order]--;
  }

  /** __zone_watermark_ok() for this zone (no lowmem reserve, no highatomic reserve). */
  watermarkOk(order: number, mark: number): boolean {
    const free = this.nrFree - (2 ** order - 1);
    if (free <= mark) return false;
    if (order === 0) return true;
    for (let o = order; o < NR_PAGE_ORDERS; o++) if (this.nrFreeArea[o] > 0) return true;
    return false;
  }

  /** free_one_page() → split_large_buddy(): blocks above a pageblock are freed per pageblock. */
  freeOnePage(i: number, order: number): void {
    if (order > PAGEBLOCK_ORDER) {
      const end = i + 2 ** order;
      for (let k = i; k < end; k += PAGEBLOCK_NR_PAGES) {
        this.freeOneBlock(k, PAGEBLOCK_ORDER, this.pageblockMt[k >>> PAGEBLOCK_ORDER], false);
      }
      return;
    }
    this.freeOneBlock(i, order, this.pageblockMt[i >>> PAGEBLOCK_ORDER], false);
  }

  /** __free_one_page(): merge with free buddies, then list at the head (or tail if a merge is likely). */
  freeOneBlock(i: number, order: number, mt: number, toTail: boolean): void {
    const type = this.pages.type;
    const state = this.pages.state;
    const c = this.counters.cur;
    this.nrFree += 2 ** order;
    let buddy = 0;
    while (order < MAX_ORDER) {
      buddy = i ^ (1 << order);
      if (buddy >= this.nrPages || type[buddy] !== PGTY_buddy || (state[buddy] & STATE_ORDER_MASK) !== order) break;
      let buddyMt = mt;
      if (order >= PAGEBLOCK_ORDER) buddyMt = this.pageblockMt[buddy >>> PAGEBLOCK_ORDER];
      this.delFromFreeList(buddy, order);
      // Match the buddy's pageblock type so later splits go to the right lists.
      if (buddyMt !== mt) this.pageblockMt[buddy >>> PAGEBLOCK_ORDER] = mt;
      c.buddyMerges++;
      i &= buddy;
      order++;
    }
    const tail = toTail || this.buddyMergeLikely(i, buddy, order);
    this.addToFreeList(i, order, mt, tail);
  }

  /** buddy_merge_likely(): is the buddy of the next-higher block free already? */
  private buddyMergeLikely(i: number, buddy: number, order: number): boolean {
    if (order >= MAX_ORDER - 1) return false;
    const higher = buddy & i;
    const hb = higher ^ (1 << (order + 1));
    return hb < this.nrPages && this.pages.type[hb] === PGTY_buddy && (this.pages.state[hb] & STATE_ORDER_MASK) === order + 1;
  }

  /**
   * memblock_free_all → __free_pages_memory: the first `reservedPages` become PG_reserved, the
   * rest goes in maximal aligned blocks to the list tails, without KASAN or zeroing.
   */
  memblockFreeAll(reservedPages: number): void {
    const f = this.pages.flagsArr;
    for (let i = 0; i < reservedPages; i++) f[i] |= 1 << PG_reserved;
    let start = reservedPages;
    const end = this.nrPages;
    while (start < end) {
      let order = Math.min(MAX_ORDER, ctz(start + this.pages.minPfn));
      while (start + 2 ** order > end) order--;
      this.addToFreeList(start, order, this.pageblockMt[start >>> PAGEBLOCK_ORDER], true);
      this.nrFree += 2 ** order;
      start += 2 ** order;
    }
  }}

/** Count of trailing zero bits (__ffs); 31 for 0. */
function ctz(n: number): number {
  if (n === 0) return 31;
  let k = 0;
  while (n % 2 === 0) {
    n /= 2;
    k++;
  }

  return k;
}
