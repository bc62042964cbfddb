/** Address spaces, anonymous mappings, page faults, fork's page-table copy and exit's teardown. */
export * from "./mm.js";
