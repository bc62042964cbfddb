/** vmalloc (mm/vmalloc.c): the public surface of this folder. */
export {
  Vmalloc,
  VMALLOC_START,
  VMALLOC_END,
  KERNEL_IMAGE_VMALLOC_SPAN,
  GFP_RECLAIM_MASK,
  GFP_VMALLOC_SUPPORTED,
  MAX_VA_SIZE_PAGES,
  type VmStruct,
  type VmallocOptions,
  type VmallocProt,
  type MappedProt,
  type SkipKasanHandling,
} from "./vmalloc.js";
export type { VmallocPageAllocator, VmallocSlab, VmallocKasanHooks } from "./interfaces.js";
export * from "./vm-flags.js";
export { formatVmallocTrace, type VmallocTraceEvent } from "./vmalloc-trace.js";
