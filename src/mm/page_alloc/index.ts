/** The page allocator: memmap, buddy lists, per-CPU lists, post-alloc / free-prepare hooks. */
export * from "./page-allocator.js";
export * from "./page-array.js";
export * from "./page-flags.js";
export * from "./page-hooks.js";
export * from "./migratetype.js";
export * from "./zone-params.js";
export * from "./recording-kasan-hooks.js";
export { PageLists } from "./page-lists.js";
export { Zone, NR_BUDDY_LISTS, buddyList } from "./zone.js";
export { PerCpuPages } from "./per-cpu-pages.js";
