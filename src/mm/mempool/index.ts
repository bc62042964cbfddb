/** mempool_t with kmalloc, slab and page pools and their KASAN hooks. */
export { Mempool, type MempoolAllocators, type MempoolElement, type MempoolKind } from "./mempool.js";
