/** lib/stackdepot.c and the jhash2 it hashes with. */
export * from "./jhash.js";
export * from "./stack-depot.js";
