/**
 * The memmap: per-page-frame metadata (struct page) as typed arrays indexed by pfn − minPfn.
 *
 *   flags     Uint32  page->flags: PG_* bits [0, 23) and the KASAN tag in [24, 32) stored XOR 0xFF
 *   state     Uint8   page->private / compound_head stand-ins: bits 0–3 the order (buddy order of
 *                     a free block's first page, compound order of a PG_head page), bit 4 PageTail,
 *                     bit 5 "on a per-CPU list" (model-only, lets a double free be caught)
 *   type      Uint8   page->page_type (PGTY_*, 0 = none)
 *   slab      Uint16  owning kmem_cache id + 1 (0 = not a slab page); owned by SLUB
 * 8 bytes per page; the buddy lists' links (8 more) live in `PageLists`.
 */
import {
  KASAN_TAG_MASK,
  KASAN_TAG_PGSHIFT,
  PAGE_FLAGS_CHECK_AT_PREP,
  PGTY_buddy,
  PGTY_slab,
  PGTY_table,
  PG_head,
  __NR_PAGEFLAGS,
} from "./page-flags.js";

export const STATE_ORDER_MASK = 0x0f;
export const STATE_TAIL = 0x10;
export const STATE_PCP = 0x20;
const TAG_FIELD = KASAN_TAG_MASK << KASAN_TAG_PGSHIFT;
const MAX_SLAB_CACHE_ID = 0xfffe;

export class PageArray {
  readonly nrPages: number;
  /** page->flags per page (tag field included). */
  readonly flagsArr: Uint32Array;
  readonly state: Uint8Array;
  readonly type: Uint8Array;
  private readonly slab: Uint16Array;

  constructor(
    readonly minPfn: number,
    readonly maxPfn: number,
  ) {
    if (!Number.isInteger(minPfn) || !Number.isInteger(maxPfn) || minPfn < 0 || maxPfn <= minPfn) {
      throw new Error(`PageArray: need integers 0 <= minPfn < maxPfn, got minPfn=${minPfn} maxPfn=${maxPfn}`);
    }
    this.nrPages = maxPfn - minPfn;
    this.flagsArr = new Uint32Array(this.nrPages);
    this.state = new Uint8Array(this.nrPages);
    this.type = new Uint8Array(this.nrPages);
    this.slab = new Uint16Array(this.nrPages);
  }

  /** pfn_valid() for this memmap. */
  isValidPfn(pfn: number): boolean {
    return Number.isInteger(pfn) && pfn >= this.minPfn && pfn < this.maxPfn;
  }

  /** Index of `pfn` in the arrays; throws when the pfn has no struct page. */
  index(pfn: number): number {
    const i = pfn - this.minPfn;
    if (!(i >= 0 && i < this.nrPages) || !Number.isInteger(pfn)) {
      throw new Error(`pfn must be an integer in [0x${this.minPfn.toString(16)}, 0x${this.maxPfn.toString(16)}), got ${pfn}`);
    }
    return i;
  }

  // --- KASAN page tag (include/linux/mm.h page_kasan_tag*) ---

  /** page_kasan_tag(page): 0xFF unless KASAN stored a tag. */
  kasanTag(pfn: number): number {
    return ((this.flagsArr[this.index(pfn)] >>> KASAN_TAG_PGSHIFT) ^ 0xff) & 0xff;
  }

  /** page_kasan_tag_set(page, tag). */
  setKasanTag(pfn: number, tag: number): void {
    const i = this.index(pfn);
    checkTag(tag);
    this.flagsArr[i] = (this.flagsArr[i] & ~TAG_FIELD) | ((tag ^ 0xff) << KASAN_TAG_PGSHIFT);
  }

  /** page_kasan_tag_reset(page): back to 0xFF (KASAN_TAG_KERNEL). */
  resetKasanTag(pfn: number): void {
    const i = this.index(pfn);
    this.flagsArr[i] &= ~TAG_FIELD;
  }

  /** page_kasan_tag_set on `nr` consecutive pages (what KASAN does for a whole block). */
  setKasanTagRange(pfn: number, nr: number, tag: number): void {
    const i = this.index(pfn);
    this.index(pfn + nr - 1);
    checkTag(tag);
    const f = this.flagsArr;
    const stored = (tag ^ 0xff) << KASAN_TAG_PGSHIFT;
    for (let k = i; k < i + nr; k++) f[k] = (f[k] & ~TAG_FIELD) | stored;
  }

  /** page_kasan_tag_reset on `nr` consecutive pages. */
  resetKasanTagRange(pfn: number, nr: number): void {
    const i = this.index(pfn);
    this.index(pfn + nr - 1);
    resetTagsAt(this.flagsArr, i, nr);
  }

  // --- page->flags ---

  /** The raw page->flags word (PG_* bits plus the stored tag field). */
  flags(pfn: number): number {
    return this.flagsArr[this.index(pfn)];
  }

  setFlag(pfn: number, bit: number): void {
    const i = this.index(pfn);
    this.flagsArr[i] |= 1 << checkBit(bit);
  }

  clearFlag(pfn: number, bit: number): void {
    const i = this.index(pfn);
    this.flagsArr[i] &= ~(1 << checkBit(bit));
  }

  testFlag(pfn: number, bit: number): boolean {
    return (this.flagsArr[this.index(pfn)] & (1 << checkBit(bit))) !== 0;
  }

  // --- page types (PageBuddy / PageSlab / PageTable ...) ---

  pageType(pfn: number): number {
    return this.type[this.index(pfn)];
  }

  /** __SetPageSlab / __SetPageTable ...: the page must not have a type yet. */
  setPageType(pfn: number, pgty: number): void {
    const i = this.index(pfn);
    if (!(pgty >= 0xf0 && pgty <= 0xf7 && Number.isInteger(pgty))) {
      throw new Error(`setPageType: pgty must be a PGTY_* value (0xf0..0xf7), got ${pgty}`);
    }
    if (this.type[i] !== 0) {
      throw new Error(`setPageType: pfn 0x${pfn.toString(16)} already has page type 0x${this.type[i].toString(16)}`);
    }
    this.type[i] = pgty;
  }

  clearPageType(pfn: number): void {
    this.type[this.index(pfn)] = 0;
  }

  /** PageBuddy(): first page of a free block in the buddy allocator. */
  pageBuddy(pfn: number): boolean {
    return this.type[this.index(pfn)] === PGTY_buddy;
  }

  /** PageSlab() (set on the slab's head page). */
  pageSlab(pfn: number): boolean {
    return this.type[this.index(pfn)] === PGTY_slab;
  }

  /** PageTable(). */
  pageTable(pfn: number): boolean {
    return this.type[this.index(pfn)] === PGTY_table;
  }

  // --- slab ownership ---

  /** Id of the kmem_cache owning this slab page, or -1. */
  slabCacheId(pfn: number): number {
    return this.slab[this.index(pfn)] - 1;
  }

  /** Record the owning kmem_cache (id ≥ 0), or -1 to clear. */
  setSlabCacheId(pfn: number, id: number): void {
    const i = this.index(pfn);
    if (!Number.isInteger(id) || id < -1 || id > MAX_SLAB_CACHE_ID) {
      throw new Error(`setSlabCacheId: id must be an integer in [-1, ${MAX_SLAB_CACHE_ID}], got ${id}`);
    }
    this.slab[i] = id + 1;
  }

  /** Forget slab ownership of `nr` pages from `pfn` (done when pages return to the allocator). */
  clearSlabCacheIdRange(pfn: number, nr: number): void {
    const i = this.index(pfn);
    this.index(pfn + nr - 1);
    this.slab.fill(0, i, i + nr);
  }

  // --- orders and compound pages ---

  /** PageTail(). */
  pageTail(pfn: number): boolean {
    return (this.state[this.index(pfn)] & STATE_TAIL) !== 0;
  }

  /** PageHead(). */
  pageHead(pfn: number): boolean {
    return (this.flagsArr[this.index(pfn)] & (1 << PG_head)) !== 0;
  }

  /** buddy_order() of a PageBuddy page. */
  buddyOrder(pfn: number): number {
    const i = this.index(pfn);
    if (this.type[i] !== PGTY_buddy) throw new Error(`buddyOrder: pfn 0x${pfn.toString(16)} is not PageBuddy`);
    return this.state[i] & STATE_ORDER_MASK;
  }

  /** compound_head(): the head pfn of the compound page containing `pfn` (itself if none). */
  compoundHead(pfn: number): number {
    const i = this.index(pfn);
    if ((this.state[i] & STATE_TAIL) === 0) return pfn;
    // Compound pages come from the buddy allocator, so they are naturally aligned: the head is
    // the nearest aligned pfn below with PG_head whose order covers `pfn`.
    for (let o = 1; o <= STATE_ORDER_MASK; o++) {
      const head = pfn - (pfn % 2 ** o);
      const h = head - this.minPfn;
      if (h < 0) break;
      if ((this.flagsArr[h] & (1 << PG_head)) !== 0 && (this.state[h] & STATE_ORDER_MASK) >= o) return head;
    }
    throw new Error(`compoundHead: tail pfn 0x${pfn.toString(16)} has no head page`);
  }

  /** compound_order(): order of a PG_head page, 0 for any other page (tails included). */
  compoundOrder(pfn: number): number {
    const i = this.index(pfn);
    return (this.flagsArr[i] & (1 << PG_head)) !== 0 ? this.state[i] & STATE_ORDER_MASK : 0;
  }
}

/** Clear the tag field (tag → 0xFF) of `nr` flag words from index `i`. */
export function resetTagsAt(f: Uint32Array, i: number, nr: number): void {
  for (let k = i; k < i + nr; k++) f[k] &= ~TAG_FIELD;
}

/** Clear PAGE_FLAGS_CHECK_AT_PREP (every PG_* bit, the tag survives) of `nr` words from `i`. */
export function clearPrepFlagsAt(f: Uint32Array, i: number, nr: number): void {
  for (let k = i; k < i + nr; k++) f[k] &= ~PAGE_FLAGS_CHECK_AT_PREP;
}

function checkTag(tag: number): void {
  if (!Number.isInteger(tag) || tag < 0 || tag > 0xff) throw new Error(`page tag must be an integer in [0, 0xff], got ${tag}`);
}

function checkBit(bit: number): number {
  if (!Number.isInteger(bit) || bit < 0 || bit >= __NR_PAGEFLAGS) {
    throw new Error(`page flag must be a PG_* bit number in [0, ${__NR_PAGEFLAGS}), got ${bit}`);
  }
  return bit;
}
