/**
 * The back-edge from a KASAN report (or a free check) to the allocators: "what does this
 * address belong to?" — the kernel's virt_to_slab()/nearest_obj(), virt_to_head_page() and
 * find_vm_area(). mm implements it; the kernel facade wires it in. KASAN never imports the
 * allocators for this.
 */
import type { KasanCacheView } from "../../mm/kasan-hooks.js";

export interface SlabAddress {
  kind: "slab";
  /** The kmem_cache of the slab (slab->slab_cache). */
  cache: KasanCacheView;
  /** nearest_obj(cache, slab, addr): untagged offset of the object slot containing addr. */
  objectStart: number;
  /** Page frame holding addr. */
  pfn: number;
}

export interface PageAddress {
  kind: "page";
  /** Page frame holding addr. */
  pfn: number;
  /** Head page of the (compound) allocation, for page_address(virt_to_head_page()). */
  headPfn: number;
  /** Compound order of the allocation (page_size() = PAGE_SIZE << order); 0 if not compound. */
  order: number;
}

export interface VmallocAddress {
  kind: "vmalloc";
  /** vm_struct addr (untagged offset) and size (including the guard page, as va->size). */
  start: number;
  size: number;
  /** Symbolised caller (%pS of vm->caller). */
  caller: string;
  /** vmalloc_to_page(addr), if mapped. */
  pfn?: number;
}

export type AddressDescription = SlabAddress | PageAddress | VmallocAddress;

export interface AddressDescriber {
  /** Describe the untagged address `offset`, or undefined if nothing owns it. */
  describe(offset: number): AddressDescription | undefined;
}
