/**
 * The free vmap space: the kernel's free_vmap_area_root/list (an augmented rb-tree of free
 * blocks, each described by a struct vmap_area from vmap_area_cachep). Here a sorted list of
 * ranges; each range carries the slab pointer of the vmap_area object that describes it, so the
 * slab traffic of splitting and merging (va_clip, merge_or_add_vmap_area) is reproduced.
 *
 * Search: the lowest-addressed block that holds `size` bytes at an `align`-aligned start at or
 * above vstart (find_vmap_lowest_match). The kernel prunes sub-trees with size + align − 1 when
 * align > PAGE_SIZE, which can, depending on tree shape, skip a block that would fit exactly;
 * this list always returns the true lowest fit (what the kernel's own
 * DEBUG_AUGMENT_LOWEST_MATCH_CHECK linear search treats as correct).
 */
import type { Ptr } from "../../arch/pointer.js";
import { SortedRanges } from "./sorted-ranges.js";
import { roundUp as alignUp } from "../../lib/align.js";

/** enum fit_type: how a request sits inside the free block it was carved from. */
export const FitType = {
  NothingFit: 0,
  /** The block is used whole. */
  FlFit: 1,
  /** Cut at the block's left edge. */
  LeFit: 2,
  /** Cut at the block's right edge. */
  ReFit: 3,
  /** Cut in the middle: needs a second vmap_area for the left remainder. */
  NeFit: 4,
} as const;
export type FitType = (typeof FitType)[keyof typeof FitType];

/** Allocation failures, as the kernel's negative errno values in the returned address. */
export const VA_ENOENT = -2;
export const VA_ENOMEM = -12;
export const VA_ERANGE = -34;

export { alignUp };

/** Most distinct (size, align, vstart) requests whose search start is remembered. */
const MAX_FIT_HINTS = 16;

export class FreeVmapAreaList {
  readonly ranges = new SortedRanges<Ptr>(256);
  // Search starts remembered per request shape (size, align, vstart): no free block starting
  // below hintFloor[h] fits that request. Allocations only shrink or split blocks, which keeps
  // that true; mergeOrAdd lowers the floors to the start of the block it grows or adds. The
  // search then skips the run of small fragments below the first fit (thread stacks walked
  // thousands of them per allocation) and still returns the lowest fit.
  private readonly hintSize: number[] = [];
  private readonly hintAlign: number[] = [];
  private readonly hintVstart: number[] = [];
  private readonly hintFloor: number[] = [];

  constructor(
    /** kmem_cache_free(vmap_area_cachep, obj). */
    private readonly freeObj: (obj: Ptr) => void,
  ) {}

  get count(): number {
    return this.ranges.n;
  }

  /** Total free bytes (for tests and invariants). */
  totalFree(): number {
    let t = 0;
    for (let i = 0; i < this.ranges.n; i++) t += this.ranges.ends[i] - this.ranges.starts[i];
    return t;
  }

  /**
   * __alloc_vmap_area: carve [addr, addr+size) out of the lowest fitting block. `takeSplitNode`
   * supplies the extra vmap_area an NE_FIT split needs (the per-CPU preloaded one, else a
   * GFP_NOWAIT allocation); 0 means none could be had. Returns the address or a VA_E* code.
   */
  alloc(size: number, align: number, vstart: number, vend: number, takeSplitNode: () => Ptr): number {
    const r = this.ranges;
    const starts = r.starts;
    const ends = r.ends;
    const n = r.n;
    let i = r.firstEndingAbove(vstart);
    const h = this.hintFor(size, align, vstart);
    if (this.hintFloor[h] > -Infinity) {
      const j = r.firstStartingAtOrAbove(this.hintFloor[h]);
      if (j > i) i = j;
    }
    let nva = 0;
    for (; i < n; i++) {
      const s = starts[i];
      const e = ends[i];
      if (e - s < size) continue;
      nva = alignUp(s > vstart ? s : vstart, align);
      if (nva + size <= e) break;
    }
    // Every block before i is too small for this request.
    this.hintFloor[h] = i < n ? starts[i] : Infinity;
    if (i >= n) return VA_ENOENT;
    if (nva + size > vend) return VA_ERANGE;

    const s = starts[i];
    const e = ends[i];
    const type = classifyFit(s, e, nva, size);
    switch (type) {
      case FitType.FlFit:
        this.freeObj(r.removeAt(i));
        break;
      case FitType.LeFit:
        starts[i] = nva + size;
        break;
      case FitType.ReFit:
        ends[i] = nva;
        break;
      case FitType.NeFit: {
        const lva = takeSplitNode();
        if (lva === 0) return VA_ENOMEM;
        // The original object keeps the right remainder; the new one describes the left.
        starts[i] = nva + size;
        r.insertAt(i, s, nva, lva);
        break;
      }
      default:
        return VA_ENOENT;
    }
    return nva;
  }

  /**
   * merge_or_add_vmap_area: give [start, end), described by vmap_area object `obj`, back to
   * the free space, coalescing with the neighbours. A merged-away object is freed to the cache.
   * Returns false (after `onOverlap`) if the range overlaps a free block — a kernel WARN.
   */
  mergeOrAdd(start: number, end: number, obj: Ptr, onOverlap?: (msg: string) => void): boolean {
    const r = this.ranges;
    const i = r.firstStartingAtOrAbove(start);
    const hasNext = i < r.n;
    const hasPrev = i > 0;
    if ((hasNext && r.starts[i] < end) || (hasPrev && r.ends[i - 1] > start)) {
      onOverlap?.(`vmalloc bug: 0x${start.toString(16)}-0x${end.toString(16)} overlaps with a free block`);
      return false;
    }
    let merged = false;
    if (hasNext && r.starts[i] === end) {
      // The next block grows down over us; our object goes.
      r.starts[i] = start;
      this.freeObj(obj);
      merged = true;
    }
    if (hasPrev && r.ends[i - 1] === start) {
      if (merged) {
        // Both sides: the previous block absorbs the (already grown) next one.
        r.ends[i - 1] = r.ends[i];
        this.freeObj(r.removeAt(i));
      } else {
        r.ends[i - 1] = end;
        this.freeObj(obj);
      }
      merged = true;
    }
    if (!merged) r.insertAt(i, start, end, obj);
    // The block that grew or was added may now fit requests that skipped below it.
    const grown = hasPrev && r.ends[i - 1] >= end ? r.starts[i - 1] : start;
    const floors = this.hintFloor;
    for (let h = 0; h < floors.length; h++) if (floors[h] > grown) floors[h] = grown;
    return true;
  }

  /** The hint slot of request shape (size, align, vstart); a new one starts with no floor. */
  private hintFor(size: number, align: number, vstart: number): number {
    const n = this.hintSize.length;
    for (let h = 0; h < n; h++) {
      if (this.hintSize[h] === size && this.hintAlign[h] === align && this.hintVstart[h] === vstart) return h;
    }
    // Full: reuse the last slot (a forgotten hint only costs a longer search).
    const h = n < MAX_FIT_HINTS ? n : n - 1;
    this.hintSize[h] = size;
    this.hintAlign[h] = align;
    this.hintVstart[h] = vstart;
    this.hintFloor[h] = -Infinity;
    return h;
  }
}

/** classify_va_fit_type. */
export function classifyFit(vaStart: number, vaEnd: number, nvaStart: number, size: number): FitType {
  if (nvaStart < vaStart || nvaStart + size > vaEnd) return FitType.NothingFit;
  if (vaStart === nvaStart) return vaEnd === nvaStart + size ? FitType.FlFit : FitType.LeFit;
  if (vaEnd === nvaStart + size) return FitType.ReFit;
  return FitType.NeFit;
}
