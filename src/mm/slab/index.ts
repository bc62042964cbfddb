/** SLUB and the kmalloc caches (mm/slub.c, mm/slab_common.c). */
export * from "./flags.js";
export * from "./kmalloc-info.js";
export * from "./kmem-cache.js";
export * from "./page-source.js";
export * from "./sizes.js";
export * from "./slab.js";
export * from "./slab-allocator.js";
export { SlubEngine } from "./slub.js";
