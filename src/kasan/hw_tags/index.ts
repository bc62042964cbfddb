/** Hardware tag-based KASAN on the MTE model. */
export { HwTagsBackend, type HwTagsOptions } from "./hw-tags-backend.js";
export { PageAllocSampler } from "./page-alloc-sample.js";
export { HwTagsFaultHandler, type HwTagsReportTarget } from "./tag-fault-handler.js";
export { hwTagsUnpoisonVmalloc, type HwTagsVmallocOps } from "./unpoison-vmalloc.js";
