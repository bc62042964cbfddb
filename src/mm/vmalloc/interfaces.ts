/**
 * What vmalloc needs from the layers beside it. Each is a subset of an interface another
 * engineer is writing (src/mm/page_alloc PageAllocator, src/mm/slab SlabAllocator) or of one
 * that exists (src/mm/kasan-hooks.ts KasanHooks); the real classes satisfy them structurally.
 */
import type { Ptr } from "../../arch/pointer.js";
import type { KasanHooks } from "../kasan-hooks.js";

/** The buddy allocator as vmalloc uses it (the bulk allocator is modelled page by page). */
export interface VmallocPageAllocator {
  /** alloc_pages(gfp, order): the first pfn, or -1. */
  allocPages(gfp: number, order: number): number;
  /** __free_pages(page, order). */
  freePages(pfn: number, order: number): void;
}

/**
 * The slab allocator as vmalloc uses it: kzalloc of the vm_struct, kmalloc/kfree of the pages
 * array, and the vmap_area_cachep cache. Allocation failure is a 0 (NULL) return. `callSite`
 * names the kernel function that allocates (what ftrace prints as call_site=); an allocator
 * may ignore it.
 */
export interface VmallocSlab<Cache = unknown> {
  kmalloc(size: number, gfp: number, callSite?: string): Ptr;
  kfree(ptr: Ptr, callSite?: string): void;
  kmemCacheCreate(name: string, size: number, align: number, flags: number): Cache;
  kmemCacheAlloc(cache: Cache, gfp: number, callSite?: string): Ptr;
  kmemCacheFree(cache: Cache, ptr: Ptr, callSite?: string): void;
}

/** The KASAN hooks vmalloc calls (the wrappers of include/linux/kasan.h). */
export type VmallocKasanHooks = Pick<
  KasanHooks,
  | "enabled"
  | "hwTagsEnabled"
  | "vmallocEnabled"
  | "populateVmalloc"
  | "releaseVmalloc"
  | "unpoisonVmalloc"
  | "poisonVmalloc"
>;
