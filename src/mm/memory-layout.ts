/**
 * Physical memory layout of the simulated arm64 machine (QEMU `virt`: RAM starts at 1 GiB) and
 * the linear map that gives every page frame a kernel virtual address.
 *
 *   phys = PHYS_OFFSET + linear offset;  pfn = phys >> PAGE_SHIFT
 *   page_address(pfn) = PAGE_OFFSET + (phys − PHYS_OFFSET)  (tagged with the page's KASAN tag)
 *   struct page *: VMEMMAP_START + (pfn − PHYS_PFN_OFFSET) · STRUCT_PAGE_SIZE  (for dumps/traces)
 */
import { LINEAR_SIZE, type Ptr, ptrOffset } from "../arch/pointer.js";

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;
export const PHYS_OFFSET = 0x4000_0000;
export const PHYS_PFN_OFFSET = PHYS_OFFSET / PAGE_SIZE;
export const MAX_ORDER = 10; // MAX_PAGE_ORDER in 6.12: orders 0..10
export const STRUCT_PAGE_SIZE = 64;
/** VMEMMAP_START for 48-bit VA, 4 KiB pages, as seen in 6.12 traces (`page=fffffdffc01b9ac0`). */
export const VMEMMAP_START_HEX = "fffffdffc0000000";

/** Linear-map offset (pointer offset) of a page frame. */
export function pfnToOffset(pfn: number): number {
  return (pfn - PHYS_PFN_OFFSET) * PAGE_SIZE;
}

/** Page frame of a linear-map offset. */
export function offsetToPfn(offset: number): number {
  return Math.floor(offset / PAGE_SIZE) + PHYS_PFN_OFFSET;
}

/** virt_to_page() for RAM pfns [minPfn, maxPfn): pfn of a linear-map pointer (tag ignored), or -1. */
export function linearPtrToPfn(ptr: Ptr, minPfn: number, maxPfn: number): number {
  const off = ptrOffset(ptr);
  if (!(off >= 0 && off < LINEAR_SIZE)) return -1;
  const pfn = offsetToPfn(off);
  return pfn >= minPfn && pfn < maxPfn ? pfn : -1;
}

export function getOrder(size: number): number {
  let order = 0;
  while (PAGE_SIZE * 2 ** order < size) order++;
  return order;
}
