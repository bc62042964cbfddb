/** kasan_save_stack(): stack collection flavours and the frames KASAN's own paths add. */
export { KASAN_STACK_DEPTH, KasanStackCollector, type KasanStackCollectorDeps, type KasanStackOptions, STACK_COLLECTIONS, type StackCollection } from "./stack-collector.js";
export { callChain, siteFunctions, type StackSiteMode, StackSites } from "./sites.js";
