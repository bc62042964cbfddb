/** User page tables (4-level, 4 KiB, 48-bit VA) and page-table page allocation. */
export * from "./pgalloc.js";
export * from "./page-table.js";
