/**
 * SLUB sizing arithmetic: alignment (mm/slab_common.c calculate_alignment, arm64
 * arch_slab_minalign), slab order (mm/slub.c calculate_order / calc_slab_order) and the
 * per-cache list limits kmem_cache_open derives from the object size. Pure functions.
 */
import type { KasanMode } from "../../config/mode.js";
import { MAX_ORDER, PAGE_SHIFT, PAGE_SIZE, getOrder } from "../memory-layout.js";
import { SLAB_HWCACHE_ALIGN } from "./flags.js";
import { roundUp as alignUp } from "../../lib/align.js";

/** sizeof(void *) on arm64. */
export const POINTER_SIZE = 8;
/** arm64 ARCH_KMALLOC_MINALIGN since 6.5 (DMA bouncing covers unaligned kmalloc buffers). */
export const ARCH_KMALLOC_MINALIGN = 8;
/** arm64 ARCH_DMA_MINALIGN (the largest cache line a DMA buffer may need). */
export const ARCH_DMA_MINALIGN = 128;
/** cache_line_size(): CTR_EL0.CWG of the modelled CPU (QEMU `max`: 64; see kmem_cache 184 → 192). */
export const CACHE_LINE_SIZE = 64;
/** KMALLOC_SHIFT_HIGH = PAGE_SHIFT + 1: the largest kmalloc cache is kmalloc-8k. */
export const KMALLOC_SHIFT_HIGH = PAGE_SHIFT + 1;
/** KMALLOC_SHIFT_LOW = 3 on arm64 (KMALLOC_MIN_SIZE 8). */
export const KMALLOC_SHIFT_LOW = 3;
export const KMALLOC_MIN_SIZE = 1 << KMALLOC_SHIFT_LOW;
/** KMALLOC_MAX_CACHE_SIZE: larger kmalloc requests go to the page allocator. */
export const KMALLOC_MAX_CACHE_SIZE = 1 << KMALLOC_SHIFT_HIGH;
/** KMALLOC_MAX_SIZE = 1 << (MAX_PAGE_ORDER + PAGE_SHIFT) (4 MiB). */
export const KMALLOC_MAX_SIZE = 2 ** (MAX_ORDER + PAGE_SHIFT);
/** page->objects is 15 bits wide. */
export const MAX_OBJS_PER_PAGE = 32767;
/** slub_max_order default: PAGE_ALLOC_COSTLY_ORDER. */
export const SLUB_MAX_ORDER = 3;
/** MIN_PARTIAL / MAX_PARTIAL: bounds of kmem_cache->min_partial. */
export const MIN_PARTIAL = 5;
export const MAX_PARTIAL = 10;

/**
 * arch_slab_minalign() on arm64: 16 under SW_TAGS (ARCH_SLAB_MINALIGN = 1 << shadow scale
 * shift), 16 under HW_TAGS while MTE tagging is enabled at run time (MTE_GRANULE_SIZE), else
 * __alignof__(unsigned long long) = 8.
 */
export function archSlabMinalign(mode: KasanMode, hwTagsEnabled: boolean): number {
  if (mode === "sw_tags") return 16;
  if (mode === "hw_tags" && hwTagsEnabled) return 16;
  return 8;
}

/** ALIGN(x, a). */
export { alignUp };

/** fls(x): 1-based index of the most significant set bit, 0 for 0. */
export function fls(x: number): number {
  return x <= 0 ? 0 : 32 - Math.clz32(x);
}

export function isPowerOfTwo(x: number): boolean {
  return Number.isInteger(x) && x > 0 && (x & (x - 1)) === 0;
}

/** calculate_alignment(flags, align, size). */
export function calculateAlignment(flags: number, align: number, size: number, archMinalign: number): number {
  if ((flags & SLAB_HWCACHE_ALIGN) !== 0) {
    // Cache-line alignment, halved while the object still fits twice in the smaller line.
    let ralign = CACHE_LINE_SIZE;
    while (size <= ralign / 2) ralign /= 2;
    align = Math.max(align, ralign);
  }
  align = Math.max(align, archMinalign);
  return alignUp(align, POINTER_SIZE);
}

/** order_objects(order, size): how many objects of `size` fit a slab of 2^order pages. */
export function orderObjects(order: number, size: number): number {
  return Math.floor((PAGE_SIZE * 2 ** order) / size);
}

/** calc_slab_order: smallest order in [minOrder, maxOrder] wasting at most 1/fract of the slab. */
export function calcSlabOrder(size: number, minOrder: number, maxOrder: number, fract: number): number {
  let order = minOrder;
  for (; order <= maxOrder; order++) {
    const slabSize = PAGE_SIZE * 2 ** order;
    if (slabSize % size <= slabSize / fract) break;
  }
  return order;
}

export interface OrderParams {
  /** num_present_cpus() (nr_cpu_ids is used when this is 1). */
  nrCpus: number;
  /** slub_min_objects= (0: derived from the CPU count). */
  minObjects?: number;
  /** slub_min_order= (default 0). */
  minOrder?: number;
  /** slub_max_order= (default 3). */
  maxOrder?: number;
}

/** calculate_order(size): the slab order SLUB picks for objects of stride `size`; −1 = ENOSYS. */
export function calculateOrder(size: number, p: OrderParams): number {
  const slubMinOrder = p.minOrder ?? 0;
  const slubMaxOrder = p.maxOrder ?? SLUB_MAX_ORDER;
  let minObjects = p.minObjects ?? 0;
  if (minObjects === 0) minObjects = 4 * (fls(p.nrCpus) + 1);
  const maxObjects = Math.max(orderObjects(slubMaxOrder, size), 1);
  minObjects = Math.min(minObjects, maxObjects);
  const minOrder = Math.max(slubMinOrder, getOrder(minObjects * size));
  if (orderObjects(minOrder, size) > MAX_OBJS_PER_PAGE) return getOrder(size * MAX_OBJS_PER_PAGE) - 1;
  // Accept 1/16 waste first, then back off to 1/8, 1/4, 1/2.
  for (let fraction = 16; fraction > 1; fraction /= 2) {
    const order = calcSlabOrder(size, minOrder, slubMaxOrder, fraction);
    if (order <= slubMaxOrder) return order;
  }
  const order = getOrder(size);
  return order <= MAX_ORDER ? order : -1;
}

/** kmem_cache_open: min_partial = clamp(ilog2(size) / 2, MIN_PARTIAL, MAX_PARTIAL). */
export function minPartialFor(size: number): number {
  const ilog2 = fls(size) - 1;
  return Math.max(MIN_PARTIAL, Math.min(MAX_PARTIAL, Math.floor(ilog2 / 2)));
}

/** set_cpu_partial: objects kept on a CPU's partial list, by object stride. */
export function cpuPartialObjects(size: number): number {
  if (size >= PAGE_SIZE) return 6;
  if (size >= 1024) return 24;
  if (size >= 256) return 52;
  return 120;
}

/** slub_set_cpu_partial: the object budget as a slab count, assuming half-full slabs. */
export function cpuPartialSlabs(nrObjects: number, objectsPerSlab: number): number {
  return Math.ceil((nrObjects * 2) / objectsPerSlab);
}
