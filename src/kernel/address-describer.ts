/**
 * mm's answer to KASAN's "what does this address belong to?" (the kernel's virt_to_slab() +
 * nearest_obj(), virt_to_head_page() and find_vm_area()), built from the allocators of one
 * kernel and handed to KASAN so that reports and free checks can describe an address without
 * KASAN importing the allocators.
 */
import { makePtr, ptrOffset, regionOf, TAG_KERNEL } from "../arch/pointer.js";
import type { AddressDescriber, AddressDescription } from "../kasan/report/address-describer.js";
import type { PageAllocator } from "../mm/page_alloc/page-allocator.js";
import type { SlabAllocator } from "../mm/slab/slab-allocator.js";
import type { Vmalloc } from "../mm/vmalloc/vmalloc.js";

export class MmAddressDescriber implements AddressDescriber {
  constructor(
    private readonly pages: PageAllocator,
    private readonly slab: SlabAllocator,
    private readonly vmalloc: Vmalloc,
  ) {}

  describe(offset: number): AddressDescription | undefined {
    const region = regionOf(offset);
    const p = makePtr(TAG_KERNEL, offset);
    if (region === "linear") {
      const pfn = this.pages.virtToPfn(p);
      if (pfn < 0 || !this.pages.pages.isValidPfn(pfn)) return undefined;
      const obj = this.slab.findObject(p);
      if (obj !== undefined) return { kind: "slab", cache: obj.cache, objectStart: ptrOffset(obj.object), pfn };
      const headPfn = this.pages.compoundHead(pfn);
      return { kind: "page", pfn, headPfn, order: this.pages.compoundOrder(headPfn) };
    }
    if (region === "vmalloc") {
      const vm = this.vmalloc.findVmArea(p);
      if (vm === undefined) return undefined;
      const pfn = this.vmalloc.vmallocToPage(p);
      return { kind: "vmalloc", start: ptrOffset(vm.addr), size: vm.size, caller: vm.caller, ...(pfn >= 0 ? { pfn } : {}) };
    }
    return undefined;
  }
}
