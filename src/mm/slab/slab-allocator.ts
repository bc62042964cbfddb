/**
 * The slab allocator as the rest of the kernel calls it: kmem_cache_create/alloc/free/destroy,
 * the bulk variants, kmalloc/kzalloc/krealloc/ksize/kfree/kfree_sensitive and the page-backed
 * kmalloc_large path (mm/slab_common.c and mm/slub.c of Linux 6.12), with the KASAN and
 * init_on_alloc/init_on_free hooks at the points SLUB calls them.
 *
 * Boot mirrors kmem_cache_init(): the kmem_cache_node and kmem_cache caches bootstrap each other,
 * then create_kmalloc_caches() makes kmalloc-96/192/8…8k for the normal, reclaimable and DMA
 * types. Every later cache's struct kmem_cache is an object of the kmem_cache cache (which is
 * how KASAN catches a second kmem_cache_destroy).
 *
 * Configuration this models, where the kernel has a choice:
 *   - __kmalloc_minalign(): `kmallocMinAlign` is its DMA part — 8 (ARCH_KMALLOC_MINALIGN, swiotlb
 *     bounce buffering active; the default) or the cache line (64/128) without bouncing. The
 *     result is max(that, arch_slab_minalign()). The shipped 6.12 hw_tags trace has
 *     `bytes_req=8 bytes_alloc=16` and `bytes_req=20 bytes_alloc=32`: minalign 16, i.e. bouncing
 *     on and MTE's 16-byte arch_slab_minalign, so kmalloc-8 is served by kmalloc-16 under hw_tags.
 *   - Cache merging (`slabMerge`, CONFIG_SLAB_MERGE_DEFAULT / slab_nomerge): off by default, as in
 *     the traced kernel — its frees name `sigqueue` and `kernfs_node_cache`, which a merging
 *     kernel would have reported as the caches they merge into (`vmap_area`, `vm_area_struct`).
 *   - CONFIG_HARDENED_USERCOPY (`hardenedUsercopy`, default on): caches with a usercopy window,
 *     every kmalloc cache among them, are never merge targets.
 *   - CONFIG_MEMCG (`memcg`, default off, like the traced kernel): SLAB_ACCOUNT and __GFP_ACCOUNT
 *     are then no-ops and there are no kmalloc-cg-* caches.
 *   - CONFIG_SLAB_FREELIST_RANDOM: not modelled (freelists in address order).
 *   - CONFIG_SLAB_FREELIST_HARDENED: kmem_cache_free() with the wrong cache warns and frees to
 *     the object's real cache (cache_from_obj).
 *   - slub_debug: not modelled; SLAB_RED_ZONE/POISON/STORE_USER/TRACE/CONSISTENCY_CHECKS are refused.
 */
import { TAG_KERNEL, makePtr, ptrOffset, ptrTag, type Ptr } from "../../arch/pointer.js";
import type { KasanMode } from "../../config/mode.js";
import type { Counters } from "../../cost/counters.js";
import type { ExecContext } from "../../lib/context.js";
import type { Rcu } from "../../rcu/rcu.js";
import { GFP_KERNEL, GFP_NOWAIT, __GFP_COMP, __GFP_DMA32, __GFP_HIGHMEM, __GFP_ZERO } from "../gfp.js";
import type { KasanCacheView, KasanHooks } from "../kasan-hooks.js";
import { MAX_ORDER, PAGE_SIZE, getOrder } from "../memory-layout.js";
import {
  SLAB_ACCOUNT,
  SLAB_CACHE_DMA,
  SLAB_DEBUG_FLAGS,
  SLAB_FLAGS_PERMITTED,
  SLAB_HWCACHE_ALIGN,
  SLAB_KASAN,
  SLAB_KMALLOC,
  SLAB_MERGE_SAME,
  SLAB_NEVER_MERGE,
  SLAB_NO_MERGE,
  SLAB_NO_OBJ_EXT,
  SLAB_POISON,
  SLAB_RECLAIM_ACCOUNT,
  SLAB_RED_ZONE,
  SLAB_STORE_USER,
  SLAB_TYPESAFE_BY_RCU,
  formatSlabFlags,
} from "./flags.js";
import {
  KMALLOC_CGROUP,
  KMALLOC_DMA,
  KMALLOC_NORMAL,
  KMALLOC_RECLAIM,
  NR_KMALLOC_TYPES,
  kmallocIndex,
  kmallocInfoName,
  kmallocInfoSize,
  kmallocSlabIndex,
  kmallocType,
} from "./kmalloc-info.js";
import { KmemCache, calculateSizes } from "./kmem-cache.js";
import type { SlabPageAllocator } from "./page-source.js";
import {
  ARCH_KMALLOC_MINALIGN,
  KMALLOC_MAX_CACHE_SIZE,
  KMALLOC_MAX_SIZE,
  KMALLOC_SHIFT_HIGH,
  KMALLOC_SHIFT_LOW,
  POINTER_SIZE,
  alignUp,
  archSlabMinalign,
  calculateAlignment,
  isPowerOfTwo,
  type OrderParams,
} from "./sizes.js";
import { OBJ_ALLOCATED, OBJ_KASAN_HELD, OBJ_RCU_PENDING, type Slab } from "./slab.js";
import { SlubEngine } from "./slub.js";

/** NULL as the allocator returns it on failure. */
export const NULL_PTR: Ptr = 0;
/** ZERO_SIZE_PTR: what kmalloc(0) returns; ZERO_OR_NULL_PTR(p) is p <= 16. */
export const ZERO_SIZE_PTR: Ptr = 16;

/**
 * sizeof(struct kmem_cache): 184 in the traced 6.12 arm64 hw_tags kernel (`bytes_req=184` from
 * __kmem_cache_create_args); Generic KASAN adds struct kasan_cache (two ints).
 */
export function kmemCacheStructSize(mode: KasanMode): number {
  return 184 + (mode === "generic" ? 8 : 0);
}
/** sizeof(struct kmem_cache_node) with CONFIG_SLUB_DEBUG (`bytes_req=64` from do_kmem_cache_create). */
export const KMEM_CACHE_NODE_STRUCT_SIZE = 64;
/** sizeof(struct rcu_delayed_free): rcu_head (16) + object pointer (8). */
export const RCU_DELAYED_FREE_SIZE = 24;
/** NUMA_NO_NODE. */
export const NUMA_NO_NODE = -1;

/** GFP_SLAB_BUG_MASK bits a kmalloc caller must not pass (kmalloc_fix_flags clears them). */
const GFP_SLAB_BUG_MASK = __GFP_DMA32 | __GFP_HIGHMEM;

/** A kernel BUG the model cannot continue past (SLUB freelist corruption KASAN did not catch). */
export class SlubBugError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SlubBugError";
  }
}

/** CONFIG_SLUB_RCU_DEBUG default: on for Generic and SW_TAGS KASAN (lib/Kconfig.kasan via mm/Kconfig). */
export function slubRcuDebugDefault(mode: KasanMode): boolean {
  return mode === "generic" || mode === "sw_tags";
}

export interface SlabAllocatorOptions {
  pages: SlabPageAllocator;
  hooks: KasanHooks;
  counters: Counters;
  ctx: ExecContext;
  rcu: Rcu;
  mode: KasanMode;
  nrCpus: number;
  /** init_on_alloc= */
  initOnAlloc: boolean;
  /** init_on_free= */
  initOnFree: boolean;
  /** CONFIG_SLUB_RCU_DEBUG (see slubRcuDebugDefault). */
  slubRcuDebug: boolean;
  /** DMA part of __kmalloc_minalign(): 8 with swiotlb bouncing (default), else the cache line. */
  kmallocMinAlign?: number;
  /** Cache merging (CONFIG_SLAB_MERGE_DEFAULT=y and no slab_nomerge); default false. */
  slabMerge?: boolean;
  /** CONFIG_HARDENED_USERCOPY (default true). */
  hardenedUsercopy?: boolean;
  /** CONFIG_MEMCG (default false). */
  memcg?: boolean;
  /** slub_min_objects= / slub_min_order= / slub_max_order= boot parameters. */
  slubMinObjects?: number;
  slubMinOrder?: number;
  slubMaxOrder?: number;
  /** Extra gfp bits for kmalloc_large's pages (policy untagged-by-default: __GFP_TAGGED opts in). */
  kmallocLargeExtraGfp?: number;
}

/**
 * The kmem tracepoints (include/trace/events/kmem.h): kmalloc, kmem_cache_alloc, kfree,
 * kmem_cache_free, with the fields the 6.12 trace prints. Attach one to observe; none costs nothing.
 */
export interface SlabTracer {
  /** trace_kmalloc: bytes_req = size asked, bytes_alloc = s->size (or the page block size). */
  kmalloc(ptr: Ptr, bytesReq: number, bytesAlloc: number, gfp: number, node: number): void;
  /** trace_kmem_cache_alloc: bytes_req = s->object_size, bytes_alloc = s->size. */
  kmemCacheAlloc(ptr: Ptr, bytesReq: number, bytesAlloc: number, gfp: number, node: number): void;
  kfree(ptr: Ptr): void;
  kmemCacheFree(ptr: Ptr, name: string): void;
}

/** nearest_obj() answer for an address inside a slab. */
export interface SlabObjectInfo {
  cache: KmemCache;
  /** Start of the object slot containing the address, untagged (kasan_reset_tag). */
  object: Ptr;
  /** Head pfn of the slab. */
  slabPfn: number;
}

export class SlabAllocator {
  readonly mode: KasanMode;
  readonly nrCpus: number;
  /** __kmalloc_minalign() of this boot. */
  readonly kmallocMinalign: number;
  /** arch_slab_minalign() of this boot. */
  readonly archMinalign: number;
  /** Messages the kernel would WARN()/pr_err() with, in order. */
  readonly warnings: string[] = [];
  /** Attach to observe the kmem tracepoints. */
  tracer: SlabTracer | undefined = undefined;
  /** The kmem_cache cache (struct kmem_cache objects). */
  readonly kmemCacheCache: KmemCache;
  /** The kmem_cache_node cache. */
  readonly kmemCacheNodeCache: KmemCache;

  private readonly pages: SlabPageAllocator;
  private readonly hooks: KasanHooks;
  private readonly counters: Counters;
  private readonly ctx: ExecContext;
  private readonly rcu: Rcu;
  private readonly engine: SlubEngine;
  private readonly initOnAlloc: boolean;
  private readonly initOnFree: boolean;
  private readonly slubRcuDebug: boolean;
  private readonly slabMerge: boolean;
  private readonly hardenedUsercopy: boolean;
  private readonly memcg: boolean;
  private readonly orderParams: OrderParams;
  private readonly kmallocLargeExtraGfp: number;
  /** Every cache ever created, by id (slab->slab_cache / PageArray slab ids). */
  private readonly byId: KmemCache[] = [];
  /** slab_caches in creation order (the kernel's list read backwards). */
  private slabCaches: KmemCache[] = [];
  /** kmalloc_caches[type][index]. */
  private readonly kmallocCaches: (KmemCache | undefined)[][];
  /** Page-backed kmalloc allocations: head pfn → order. */
  private readonly largeKmalloc = new Map<number, number>();
  private largeKmallocPages = 0;

  constructor(opts: SlabAllocatorOptions) {
    if (!Number.isInteger(opts.nrCpus) || opts.nrCpus < 1) throw new Error(`SlabAllocator: nrCpus must be a positive integer, got ${opts.nrCpus}`);
    if (opts.ctx.nrCpus !== opts.nrCpus) throw new Error(`SlabAllocator: nrCpus (${opts.nrCpus}) must equal ctx.nrCpus (${opts.ctx.nrCpus})`);
    if (opts.rcu.nrCpus !== opts.nrCpus) throw new Error(`SlabAllocator: nrCpus (${opts.nrCpus}) must equal rcu.nrCpus (${opts.rcu.nrCpus})`);
    const dmaAlign = opts.kmallocMinAlign ?? ARCH_KMALLOC_MINALIGN;
    if (!isPowerOfTwo(dmaAlign) || dmaAlign < ARCH_KMALLOC_MINALIGN || dmaAlign > 256) {
      throw new Error(`SlabAllocator: kmallocMinAlign must be a power of two in [8, 256], got ${dmaAlign}`);
    }
    this.mode = opts.mode;
    this.nrCpus = opts.nrCpus;
    this.pages = opts.pages;
    this.hooks = opts.hooks;
    this.counters = opts.counters;
    this.ctx = opts.ctx;
    this.rcu = opts.rcu;
    this.initOnAlloc = opts.initOnAlloc;
    this.initOnFree = opts.initOnFree;
    this.slubRcuDebug = opts.slubRcuDebug;
    this.slabMerge = opts.slabMerge ?? false;
    this.hardenedUsercopy = opts.hardenedUsercopy ?? true;
    this.memcg = opts.memcg ?? false;
    this.kmallocLargeExtraGfp = opts.kmallocLargeExtraGfp ?? 0;
    this.orderParams = {
      nrCpus: opts.nrCpus,
      minObjects: opts.slubMinObjects ?? 0,
      minOrder: opts.slubMinOrder ?? 0,
      maxOrder: opts.slubMaxOrder ?? 3,
    };
    this.archMinalign = archSlabMinalign(opts.mode, opts.hooks.hwTagsEnabled);
    this.kmallocMinalign = Math.max(dmaAlign, this.archMinalign);
    this.engine = new SlubEngine(opts.pages, opts.hooks, opts.counters, opts.ctx, opts.rcu);
    this.kmallocCaches = [];
    for (let t = 0; t < NR_KMALLOC_TYPES; t++) this.kmallocCaches.push(new Array<KmemCache | undefined>(KMALLOC_SHIFT_HIGH + 1));

    this.counters.enter("slab");
    try {
      // kmem_cache_init(): kmem_cache_node first; its node structure is the first object of
      // its own first slab (early_kmem_cache_node_alloc).
      const bootFlags = SLAB_HWCACHE_ALIGN | SLAB_NO_OBJ_EXT;
      const nodeCache = this.doKmemCacheCreate("kmem_cache_node", KMEM_CACHE_NODE_STRUCT_SIZE, this.bootAlign(bootFlags, KMEM_CACHE_NODE_STRUCT_SIZE), bootFlags, undefined, 0, false);
      const early = this.engine.earlyAllocFromNewSlab(nodeCache, GFP_NOWAIT);
      if (early === 0) throw new Error("kmem_cache_init: out of memory for the kmem_cache_node slab");
      nodeCache.nodePtr = this.hooks.slabAlloc(nodeCache, early, GFP_KERNEL, false);
      nodeCache.refcount = -1;
      this.kmemCacheNodeCache = nodeCache;
      const structSize = kmemCacheStructSize(opts.mode);
      const cacheCache = this.doKmemCacheCreate("kmem_cache", structSize, this.bootAlign(bootFlags, structSize), bootFlags, undefined, 0, true);
      cacheCache.refcount = -1;
      this.kmemCacheCache = cacheCache;
      // bootstrap(): move both into objects of the kmem_cache cache.
      for (const s of [cacheCache, nodeCache]) {
        s.structPtr = this.allocStruct(GFP_NOWAIT);
        this.engine.flushCpu(s, this.ctx.cpu);
        this.slabCaches.push(s);
      }
      this.createKmallocCaches();
    } finally {
      this.counters.leave();
    }
  }

  // ------------------------------------------------------------------------------------------
  // Cache life cycle

  /** kmem_cache_create(name, size, align, flags, ctor): a new cache, or an existing one it merges into. */
  kmemCacheCreate(name: string, size: number, align: number, flags: number, ctor?: (p: Ptr) => void): KmemCache {
    if (typeof name !== "string" || name.length === 0) throw new Error(`kmemCacheCreate: name must be a non-empty string, got ${String(name)}`);
    if (!Number.isInteger(size) || size < 1 || size > KMALLOC_MAX_SIZE) {
      throw new Error(`kmemCacheCreate(${name}): size must be an integer in [1, ${KMALLOC_MAX_SIZE}], got ${size}`);
    }
    if (!Number.isInteger(align) || align < 0 || (align !== 0 && !isPowerOfTwo(align))) {
      throw new Error(`kmemCacheCreate(${name}): align must be 0 or a power of two, got ${align}`);
    }
    if (!Number.isInteger(flags) || flags < 0 || (flags & ~SLAB_FLAGS_PERMITTED) !== 0) {
      throw new Error(`kmemCacheCreate(${name}): flags must be SLAB_* bits of SLAB_FLAGS_PERMITTED, got 0x${Number(flags).toString(16)}`);
    }
    if ((flags & SLAB_DEBUG_FLAGS) !== 0) {
      throw new Error(`kmemCacheCreate(${name}): flags ${formatSlabFlags(flags & SLAB_DEBUG_FLAGS)} are slub_debug layouts, which are not modelled`);
    }
    if (ctor !== undefined && typeof ctor !== "function") throw new Error(`kmemCacheCreate(${name}): ctor must be a function or undefined`);
    if (this.slabCaches.some((c) => c.name === name)) this.warnings.push(`kmem_cache of name '${name}' already exists`);
    if (!this.memcg) flags &= ~SLAB_ACCOUNT;
    this.counters.enter("slab");
    try {
      const alias = this.findMergeable(size, align, flags, ctor);
      if (alias !== undefined) {
        // __kmem_cache_alias(): share the cache, growing it so kzalloc-style clearing covers us.
        alias.refcount++;
        alias.objectSize = Math.max(alias.objectSize, size);
        alias.inuse = Math.max(alias.inuse, alignUp(size, POINTER_SIZE));
        return alias;
      }
      const a = calculateAlignment(flags, align, size, this.archMinalign);
      const structPtr = this.allocStruct(GFP_KERNEL);
      const s = this.doKmemCacheCreate(name, size, a, flags, ctor, 0, true);
      s.structPtr = structPtr;
      s.refcount = 1;
      this.slabCaches.push(s);
      return s;
    } finally {
      this.counters.leave();
    }
  }

  /** kmem_cache_destroy(cache). */
  kmemCacheDestroy(cache: KmemCache, ip = 0): void {
    this.checkOwnCache("kmemCacheDestroy", cache);
    this.counters.enter("slab");
    try {
      if (!this.hooks.checkByte(cache.structPtr, ip, "kmem_cache_destroy")) return;
      // In-flight kfree_rcu()s may hold objects of this cache.
      this.rcu.kvfreeBarrier();
      if (this.slubRcuDebug && (cache.flags & SLAB_TYPESAFE_BY_RCU) !== 0) this.rcu.barrier();
      cache.refcount--;
      if (cache.refcount !== 0) return;
      this.hooks.cacheShutdown(cache);
      const left = this.engine.shutdown(cache);
      if (left !== 0) this.warnings.push(`kmem_cache_destroy ${cache.name}: Slab cache still has objects when called from ${ip}`);
      cache.listed = false;
      this.slabCaches = this.slabCaches.filter((c) => c !== cache);
      if (left !== 0) return;
      if ((cache.flags & SLAB_TYPESAFE_BY_RCU) !== 0) this.rcu.barrier();
      // kmem_cache_release(): the node structure, then struct kmem_cache itself.
      this.freeInternal(this.kmemCacheNodeCache, cache.nodePtr, ip);
      this.freeInternal(this.kmemCacheCache, cache.structPtr, ip);
    } finally {
      this.counters.leave();
    }
  }

  /** The caches on slab_caches, oldest first (/proc/slabinfo prints them newest first). */
  caches(): readonly KmemCache[] {
    return this.slabCaches;
  }

  /** The cache with id `id` (PageArray slab ids), if it was ever created. */
  cacheById(id: number): KmemCache | undefined {
    return this.byId[id];
  }

  // ------------------------------------------------------------------------------------------
  // kmem_cache_alloc / free

  /** kmem_cache_alloc(cache, gfp): the object, or 0 on failure. */
  kmemCacheAlloc(cache: KmemCache, gfp: number): Ptr {
    this.checkLiveCache("kmemCacheAlloc", cache);
    checkGfp("kmemCacheAlloc", gfp);
    this.counters.enter("slab");
    try {
      return this.kmemCacheAllocNode(cache, gfp, NUMA_NO_NODE);
    } finally {
      this.counters.leave();
    }
  }

  /** kmem_cache_free(cache, ptr). */
  kmemCacheFree(cache: KmemCache, ptr: Ptr, ip = 0): void {
    this.checkOwnCache("kmemCacheFree", cache);
    this.counters.enter("slab");
    try {
      const slab = this.engine.slabOf(ptr);
      if (slab === undefined) {
        this.warnings.push(`cache_from_obj: Object is not a Slab page! (kmem_cache_free ${cache.name})`);
        return;
      }
      if (slab.cache !== cache) {
        this.warnings.push(`cache_from_obj: Wrong slab cache. ${cache.name} but object is from ${slab.cache.name}`);
      }
      if (this.tracer !== undefined) this.tracer.kmemCacheFree(ptr, slab.cache.name);
      this.slabFree(slab.cache, slab, ptr, ip);
    } finally {
      this.counters.leave();
    }
  }

  /** kmem_cache_alloc_bulk(cache, gfp, n): all `n` objects, or none (empty array) on failure. */
  kmemCacheAllocBulk(cache: KmemCache, gfp: number, n: number): Ptr[] {
    this.checkLiveCache("kmemCacheAllocBulk", cache);
    checkGfp("kmemCacheAllocBulk", gfp);
    if (!Number.isInteger(n) || n < 0) throw new Error(`kmemCacheAllocBulk: n must be a non-negative integer, got ${n}`);
    if (n === 0) return [];
    this.counters.enter("slab");
    try {
      // __kmem_cache_alloc_bulk(): take every object first, then run the post-alloc hook on each.
      const p: Ptr[] = [];
      for (let i = 0; i < n; i++) {
        const obj = this.engine.allocObject(cache, gfp);
        if (obj === 0) {
          for (let k = 0; k < p.length; k++) p[k] = this.postAllocHook(cache, gfp, p[k], false, cache.objectSize);
          this.freeBulk(cache, p);
          return [];
        }
        p.push(obj);
      }
      const init = this.slabWantInitOnAlloc(gfp, cache);
      for (let k = 0; k < n; k++) p[k] = this.postAllocHook(cache, gfp, p[k], init, cache.objectSize);
      return p;
    } finally {
      this.counters.leave();
    }
  }

  /** kmem_cache_free_bulk(cache, ptrs); a cache of `undefined` is kfree_bulk(). */
  kmemCacheFreeBulk(cache: KmemCache | undefined, ptrs: readonly Ptr[]): void {
    if (cache !== undefined) this.checkOwnCache("kmemCacheFreeBulk", cache);
    if (!Array.isArray(ptrs)) throw new Error("kmemCacheFreeBulk: ptrs must be an array of pointers");
    this.counters.enter("slab");
    try {
      this.freeBulk(cache, ptrs.slice());
    } finally {
      this.counters.leave();
    }
  }

  // ------------------------------------------------------------------------------------------
  // kmalloc family

  /** kmalloc(size, gfp). */
  kmalloc(size: number, gfp: number): Ptr {
    return this.kmallocNode(size, gfp, NUMA_NO_NODE);
  }

  /** kzalloc(size, gfp) = kmalloc(size, gfp | __GFP_ZERO). */
  kzalloc(size: number, gfp: number): Ptr {
    checkGfp("kzalloc", gfp);
    return this.kmallocNode(size, (gfp | __GFP_ZERO) >>> 0, NUMA_NO_NODE);
  }

  /** kmalloc_node(size, gfp, node): one NUMA node is modelled (node 0 or NUMA_NO_NODE). */
  kmallocNode(size: number, gfp: number, node: number): Ptr {
    if (!Number.isInteger(size) || size < 0) throw new Error(`kmalloc: size must be a non-negative integer, got ${size}`);
    checkGfp("kmalloc", gfp);
    if (node !== NUMA_NO_NODE && node !== 0) throw new Error(`kmallocNode: node must be 0 or NUMA_NO_NODE (-1), got ${node}`);
    this.counters.enter("slab");
    try {
      return this.doKmallocNode(size, gfp, node);
    } finally {
      this.counters.leave();
    }
  }

  /** kfree(ptr). */
  kfree(ptr: Ptr, ip = 0): void {
    this.counters.enter("slab");
    try {
      this.kfreeInternal(ptr, ip);
    } finally {
      this.counters.leave();
    }
  }

  /** krealloc(ptr, newSize, gfp): resized in place when it still fits, else moved. */
  krealloc(ptr: Ptr, newSize: number, gfp: number, ip = 0): Ptr {
    if (!Number.isInteger(newSize) || newSize < 0) throw new Error(`krealloc: newSize must be a non-negative integer, got ${newSize}`);
    checkGfp("krealloc", gfp);
    this.counters.enter("slab");
    try {
      if (newSize === 0) {
        this.kfreeInternal(ptr, ip);
        return ZERO_SIZE_PTR;
      }
      const ret = this.doKrealloc(ptr, newSize, gfp, ip);
      if (ret !== 0 && ptrOffset(ret) !== ptrOffset(ptr)) this.kfreeInternal(ptr, ip);
      return ret;
    } finally {
      this.counters.leave();
    }
  }

  /** ksize(ptr): the usable size of the allocation (0 for NULL/ZERO_SIZE_PTR or an invalid pointer). */
  ksize(ptr: Ptr, ip = 0): number {
    this.counters.enter("slab");
    try {
      return this.ksizeInternal(ptr, ip);
    } finally {
      this.counters.leave();
    }
  }

  /**
   * kfree_sensitive(ptr): zero the whole usable size, then kfree. Its calls of ksize() and
   * kfree() run with kfree_sensitive's frame on the stack (reports and free stacks show it).
   */
  kfreeSensitive(ptr: Ptr, _ip = 0): void {
    this.counters.enter("slab");
    try {
      const ks = this.callFrom("kfree_sensitive", "ksize", (site) => this.ksizeInternal(ptr, site));
      if (ks !== 0) {
        this.hooks.unpoisonRange(ptr, ks);
        this.counters.cur.bytesZeroed += ks; // memzero_explicit
      }
      this.callFrom("kfree_sensitive", "kfree", (site) => this.kfreeInternal(ptr, site));
    } finally {
      this.counters.leave();
    }
  }

  /** `fn` called from `caller` at its call site of `callee` (pushed on the call stack, passed as the return address). */
  private callFrom<T>(caller: string, callee: string, fn: (site: number) => T): T {
    const site = this.ctx.kallsyms.callSite(caller, callee);
    return this.ctx.call(site, () => fn(site));
  }

  /** kfree_rcu(ptr) / kvfree_rcu: kfree after a grace period. */
  kfreeRcu(ptr: Ptr): void {
    if (isZeroOrNull(ptr)) return;
    this.hooks.recordAuxStack(ptr);
    this.rcu.callRcu(() => this.kfree(ptr), "kvfree_rcu");
  }

  /** The kmalloc-* cache (normal type) serving `size`, undefined for 0 and page-backed sizes. */
  kmallocCacheFor(size: number, gfp = GFP_KERNEL): KmemCache | undefined {
    if (!Number.isInteger(size) || size < 1 || size > KMALLOC_MAX_CACHE_SIZE) return undefined;
    return this.kmallocSlab(size, gfp);
  }

  /** kmalloc_size_roundup(size). */
  kmallocSizeRoundup(size: number): number {
    if (size > 0 && size <= KMALLOC_MAX_CACHE_SIZE) return this.kmallocSlab(size, GFP_KERNEL).objectSize;
    if (size > 0 && size <= KMALLOC_MAX_SIZE) return PAGE_SIZE * 2 ** getOrder(size);
    return size;
  }

  // ------------------------------------------------------------------------------------------
  // Queries and the KASAN back-edges

  /** virt_to_slab() + nearest_obj(): the object slot `ptr` falls in, if it is slab memory. */
  findObject(ptr: Ptr): SlabObjectInfo | undefined {
    const slab = this.engine.slabOf(ptr);
    if (slab === undefined) return undefined;
    const idx = slab.nearestIndex(ptrOffset(ptr));
    if (idx < 0) return undefined;
    return { cache: slab.cache, object: makePtr(TAG_KERNEL, slab.objectOffset(idx)), slabPfn: slab.pfn };
  }

  /** The cache of a slab page (slab->slab_cache), if `pfn` belongs to a slab. */
  cacheOfPfn(pfn: number): KmemCache | undefined {
    const id = this.pages.pages.slabCacheId(pfn);
    return id < 0 ? undefined : this.byId[id];
  }

  /**
   * ___cache_free(cache, object): Generic KASAN hands a quarantined object back (no hooks run).
   */
  freeFromQuarantine(cache: KasanCacheView, object: Ptr): void {
    this.counters.enter("slab");
    try {
      const slab = this.engine.slabOf(object);
      if (slab === undefined || slab.cache !== cache) {
        throw new Error(`freeFromQuarantine: object ${object} is not an object of cache ${cache.name}`);
      }
      this.doSlabFree(slab.cache, slab, object, OBJ_KASAN_HELD);
    } finally {
      this.counters.leave();
    }
  }

  /** slab_want_init_on_free(cache). */
  slabWantInitOnFree(cache: KasanCacheView): boolean {
    if (!this.initOnFree) return false;
    return !(cache.hasCtor || (cache.flags & (SLAB_TYPESAFE_BY_RCU | SLAB_POISON)) !== 0);
  }

  /** slab_want_init_on_alloc(gfp, cache). */
  slabWantInitOnAlloc(gfp: number, cache: KasanCacheView): boolean {
    if (this.initOnAlloc) {
      if (cache.hasCtor) return false;
      if ((cache.flags & (SLAB_TYPESAFE_BY_RCU | SLAB_POISON)) !== 0) return (gfp & __GFP_ZERO) !== 0;
      return true;
    }
    return (gfp & __GFP_ZERO) !== 0;
  }

  /** Pages holding slabs plus page-backed kmalloc (the /proc/meminfo Slab figure, in pages). */
  slabPagesInUse(): number {
    return this.engine.slabPages + this.largeKmallocPages;
  }

  // ------------------------------------------------------------------------------------------
  // Internals: allocation

  /** slab_alloc_node(): object + slab_post_alloc_hook. */
  private slabAllocNode(s: KmemCache, gfp: number, origSize: number): Ptr {
    const obj = this.engine.allocObject(s, gfp);
    if (obj === 0) return 0;
    // maybe_wipe_obj_freeptr(): with init_on_free the free pointer inside the object is cleared.
    if (this.slabWantInitOnFree(s) && s.offset < s.inuse) this.counters.cur.bytesZeroed += POINTER_SIZE;
    return this.postAllocHook(s, gfp, obj, this.slabWantInitOnAlloc(gfp, s), origSize);
  }

  /** slab_post_alloc_hook() for one object: KASAN tags/unpoisons, then memset if KASAN did not zero. */
  private postAllocHook(s: KmemCache, gfp: number, obj: Ptr, init: boolean, _origSize: number): Ptr {
    const p = this.hooks.slabAlloc(s, obj, gfp, init);
    if (init && !this.hooks.hasIntegratedInit) this.counters.cur.bytesZeroed += s.objectSize;
    this.counters.cur.slabAllocs++;
    return p;
  }

  /** kmem_cache_alloc_node(): slab_alloc_node + the kmem_cache_alloc tracepoint. */
  private kmemCacheAllocNode(s: KmemCache, gfp: number, node: number): Ptr {
    const p = this.slabAllocNode(s, gfp, s.objectSize);
    if (this.tracer !== undefined) this.tracer.kmemCacheAlloc(p, s.objectSize, s.size, gfp, node);
    return p;
  }

  /** kmem_cache_zalloc(kmem_cache, gfp) for a struct kmem_cache. */
  private allocStruct(gfp: number): Ptr {
    const p = this.kmemCacheAllocNode(this.kmemCacheCache, (gfp | __GFP_ZERO) >>> 0, NUMA_NO_NODE);
    if (p === 0) throw new Error("kmem_cache_create: out of memory for struct kmem_cache");
    return p;
  }

  /** __do_kmalloc_node(). */
  private doKmallocNode(size: number, gfp: number, node = NUMA_NO_NODE): Ptr {
    if (size > KMALLOC_MAX_CACHE_SIZE) {
      const big = this.kmallocLargeNode(size, gfp);
      if (this.tracer !== undefined) this.tracer.kmalloc(big, size, PAGE_SIZE * 2 ** getOrder(size), gfp, node);
      return big;
    }
    if (size === 0) return ZERO_SIZE_PTR;
    const s = this.kmallocSlab(size, gfp);
    let ret = this.slabAllocNode(s, gfp, size);
    if (ret !== 0) ret = this.hooks.kmalloc(s, ret, size, gfp);
    if (this.tracer !== undefined) this.tracer.kmalloc(ret, size, s.size, gfp, node);
    return ret;
  }

  /** kmalloc_slab(size, gfp): the cache kmalloc uses. */
  private kmallocSlab(size: number, gfp: number): KmemCache {
    const s = this.kmallocCaches[kmallocType(gfp, this.memcg)][kmallocSlabIndex(size)];
    if (s === undefined) throw new Error(`kmalloc: no kmalloc cache for size ${size}`);
    return s;
  }

  /** __kmalloc_large_node(): a compound page block straight from the page allocator. */
  private kmallocLargeNode(size: number, gfp: number): Ptr {
    if ((gfp & GFP_SLAB_BUG_MASK) !== 0) {
      this.warnings.push(`Unexpected gfp: 0x${(gfp & GFP_SLAB_BUG_MASK).toString(16)}. Fixing up to gfp: 0x${(gfp & ~GFP_SLAB_BUG_MASK).toString(16)}. Fix your code!`);
      gfp &= ~GFP_SLAB_BUG_MASK;
    }
    const order = getOrder(size);
    const flags = (gfp | __GFP_COMP) >>> 0;
    if (order > MAX_ORDER) {
      this.warnings.push(`__kmalloc_large_node: order ${order} > MAX_PAGE_ORDER for size ${size}`);
      return 0;
    }
    const pfn = this.pages.allocPages((flags | this.kmallocLargeExtraGfp) >>> 0, order);
    if (pfn < 0) return 0;
    this.counters.cur.kmallocLarge++;
    this.largeKmalloc.set(pfn, order);
    this.largeKmallocPages += 2 ** order;
    return this.hooks.kmallocLarge(this.pages.pageAddress(pfn), size, flags);
  }

  private doKrealloc(p: Ptr, newSize: number, gfp: number, ip: number): Ptr {
    let ks = 0;
    // Check for a use-after-free before ksize() looks at the object.
    if (!isZeroOrNull(p)) {
      if (!this.hooks.checkByte(p, ip, "krealloc_noprof")) return 0;
      ks = this.ksizeInternal(p, ip);
    }
    if (ks >= newSize) {
      // Still fits: repoison precisely; with init_on_alloc/__GFP_ZERO clear the spare tail.
      if (this.initOnAlloc || (gfp & __GFP_ZERO) !== 0) this.counters.cur.bytesZeroed += ks - newSize;
      const slab = this.engine.slabOf(p);
      return this.hooks.krealloc(slab?.cache, p, newSize, gfp);
    }
    const ret = this.doKmallocNode(newSize, gfp);
    // The copy (ks bytes, KASAN checks off) moves no simulated data.
    return ret;
  }

  private ksizeInternal(p: Ptr, ip: number): number {
    if (isZeroOrNull(p) || !this.hooks.checkByte(p, ip, "ksize")) return 0;
    return this.ksizeUnchecked(p);
  }

  /** __ksize(). */
  private ksizeUnchecked(p: Ptr): number {
    if (p === ZERO_SIZE_PTR) return 0;
    const slab = this.engine.slabOf(p);
    if (slab !== undefined) return slabKsize(slab.cache);
    const pfn = this.pages.virtToPfn(p);
    if (pfn < 0) throw new Error(`ksize: pointer 0x${p.toString(16)} is not a linear-map address`);
    const head = this.pages.compoundHead(pfn);
    const bytes = PAGE_SIZE * 2 ** this.pages.compoundOrder(head);
    if (bytes <= KMALLOC_MAX_CACHE_SIZE) {
      this.warnings.push(`__ksize: page allocation of ${bytes} bytes is not a kmalloc allocation`);
      return 0;
    }
    if (p !== this.pages.pageAddress(head)) {
      this.warnings.push(`__ksize: pointer is not the start of its page-backed allocation`);
      return 0;
    }
    return bytes;
  }

  // ------------------------------------------------------------------------------------------
  // Internals: free

  private kfreeInternal(ptr: Ptr, ip: number): void {
    if (this.tracer !== undefined) this.tracer.kfree(ptr);
    if (isZeroOrNull(ptr)) return;
    const slab = this.engine.slabOf(ptr);
    if (slab === undefined) {
      this.freeLargeKmalloc(ptr, ip);
      return;
    }
    this.slabFree(slab.cache, slab, ptr, ip);
  }

  /** free_large_kmalloc(). */
  private freeLargeKmalloc(ptr: Ptr, _ip: number): void {
    const pfn = this.pages.virtToPfn(ptr);
    if (pfn < 0) throw new Error(`kfree: pointer 0x${ptr.toString(16)} is not a kmalloc address (not in the linear map)`);
    const head = this.pages.compoundHead(pfn);
    const order = this.pages.compoundOrder(head);
    if (order === 0) this.warnings.push(`free_large_kmalloc: object pointer ${ptr} is in an order-0 page`);
    // 6.12's free_large_kmalloc() frees the pages whatever kasan_kfree_large() reported: an
    // invalid free (pointer inside the block) still releases the whole block.
    // kasan_kfree_large() is inlined here: its _RET_IP_ is this function's return address in kfree().
    this.hooks.kfreeLarge(ptr, head, this.ctx.kallsyms.callSite("kfree", "free_large_kmalloc"));
    const known = this.largeKmalloc.get(head);
    if (known === undefined) {
      // A second free of the same block: the real kernel goes on into the buddy allocator and
      // hits "Bad page state"; the model stops here so the simulated free lists stay sound.
      this.warnings.push(`BUG: Bad page state: pfn:${head.toString(16)} freed again by kfree (not an allocated large kmalloc)`);
      return;
    }
    this.largeKmalloc.delete(head);
    this.largeKmallocPages -= 2 ** known;
    this.pages.freePages(head, order);
  }

  /** slab_free(): slab_free_hook, then do_slab_free unless the free was deferred or refused. */
  private slabFree(s: KmemCache, slab: Slab, x: Ptr, ip: number): void {
    if (this.slabFreeHook(s, slab, x, this.slabWantInitOnFree(s), false, ip)) this.doSlabFree(s, slab, x, OBJ_ALLOCATED);
  }

  /**
   * slab_free_hook(): true when SLUB may put the object back now. KASAN checks the free first
   * (invalid/double free ⇒ the object is leaked), SLUB_RCU_DEBUG defers TYPESAFE_BY_RCU frees
   * through call_rcu, init_on_free clears the object and metadata, then KASAN poisons it and may
   * keep it (quarantine).
   */
  private slabFreeHook(s: KmemCache, slab: Slab, x: Ptr, init: boolean, afterRcuDelay: boolean, ip: number): boolean {
    const stillAccessible = (s.flags & SLAB_TYPESAFE_BY_RCU) !== 0 && !afterRcuDelay;
    const off = ptrOffset(x);
    const nearest = slab.base + slab.nearestIndex(off) * s.size; // nearest_obj()
    if (this.hooks.slabPreFree(s, x, ip, nearest)) return false;
    if (this.slubRcuDebug && stillAccessible && this.deferFreeAfterRcuDebug(slab, x)) return false;
    if (init) {
      const c = this.counters.cur;
      if (!this.hooks.hasIntegratedInit) c.bytesZeroed += s.objectSize;
      c.bytesZeroed += s.size - s.infoEnd;
    }
    if (this.hooks.slabFree(s, x, init, stillAccessible)) {
      this.setState(slab, x, OBJ_KASAN_HELD);
      return false;
    }
    return true;
  }

  /**
   * SLUB_RCU_DEBUG: hand the free to call_rcu with a struct rcu_delayed_free; false when that
   * allocation failed (the object is then freed at once). Kept out of slabFreeHook so the
   * closure does not make every free allocate a context for `x`.
   */
  private deferFreeAfterRcuDebug(slab: Slab, x: Ptr): boolean {
    const delayed = this.doKmallocNode(RCU_DELAYED_FREE_SIZE, GFP_NOWAIT);
    if (delayed === 0) return false;
    this.hooks.recordAuxStack(x);
    this.setState(slab, x, OBJ_RCU_PENDING);
    this.rcu.callRcu(() => this.slabFreeAfterRcuDebug(delayed, x));
    return true;
  }

  /** slab_free_after_rcu_debug(): the grace period after a SLUB_RCU_DEBUG free has ended. */
  private slabFreeAfterRcuDebug(delayed: Ptr, x: Ptr): void {
    this.counters.enter("slab");
    try {
      this.kfreeInternal(delayed, 0);
      const slab = this.engine.slabOf(x);
      if (slab === undefined || (slab.cache.flags & SLAB_TYPESAFE_BY_RCU) === 0) {
        this.warnings.push(`slab_free_after_rcu_debug: object ${x} is no longer in a SLAB_TYPESAFE_BY_RCU slab`);
        return;
      }
      const s = slab.cache;
      if (this.slabFreeHook(s, slab, x, this.slabWantInitOnFree(s), true, 0)) this.doSlabFree(s, slab, x, OBJ_RCU_PENDING);
    } finally {
      this.counters.leave();
    }
  }

  /** do_slab_free() of one object, after checking what KASAN could not. */
  private doSlabFree(s: KmemCache, slab: Slab, x: Ptr, expected: number): void {
    const idx = this.objectIndexOrBug(s, slab, x);
    const st = slab.state[idx];
    if (st !== expected && !(expected === OBJ_ALLOCATED && st === OBJ_RCU_PENDING)) {
      throw new SlubBugError(`SLUB ${s.name}: double free of object 0x${x.toString(16)} (state ${st}) not caught by KASAN; the freelist would be corrupted`);
    }
    this.engine.freeOne(s, slab, idx, ptrTag(x));
  }

  private objectIndexOrBug(s: KmemCache, slab: Slab, x: Ptr): number {
    const off = ptrOffset(x);
    const idx = slab.nearestIndex(off);
    if (idx < 0 || slab.objectOffset(idx) !== off) {
      throw new SlubBugError(`SLUB ${s.name}: free of 0x${x.toString(16)}, which is not the start of an object, not caught by KASAN`);
    }
    return idx;
  }

  private setState(slab: Slab, x: Ptr, state: number): void {
    const idx = slab.nearestIndex(ptrOffset(x));
    if (idx >= 0) slab.state[idx] = state;
  }

  /** __kmem_cache_free_bulk(): build_detached_freelist groups, each freed as one list. */
  private freeBulk(s: KmemCache | undefined, p: Ptr[]): void {
    let size = p.length;
    while (size > 0) {
      // build_detached_freelist(): the last object starts a list; scan back for objects of
      // the same slab, giving up after three misses.
      const object = p[--size];
      const slab = this.engine.slabOf(object);
      if (slab === undefined) {
        if (s === undefined) this.freeLargeKmalloc(object, 0);
        else this.warnings.push(`cache_from_obj: Object is not a Slab page! (kmem_cache_free_bulk ${s.name})`);
        continue;
      }
      if (s !== undefined && slab.cache !== s) {
        this.warnings.push(`cache_from_obj: Wrong slab cache. ${s.name} but object is from ${slab.cache.name}`);
      }
      const walk: Ptr[] = [object];
      let lookahead = 3;
      let same = size;
      while (size > 0) {
        const o = p[--size];
        if (this.engine.slabOf(o) === slab) {
          walk.push(o);
          same--;
          if (size !== same) {
            const t = p[size];
            p[size] = p[same];
            p[same] = t;
          }
          continue;
        }
        if (--lookahead === 0) break;
      }
      size = same;
      // The detached list runs from the last object found to `object`; slab_free_freelist_hook
      // walks it in that order and rebuilds it reversed from the survivors.
      walk.reverse();
      this.slabFreeBulk(slab.cache, slab, walk);
    }
  }

  /** slab_free_bulk(): hooks over the detached list, then one do_slab_free of the survivors. */
  private slabFreeBulk(s: KmemCache, slab: Slab, walk: Ptr[]): void {
    const init = this.slabWantInitOnFree(s);
    const survivors: number[] = [];
    for (const x of walk) {
      if (!this.slabFreeHook(s, slab, x, init, false, 0)) continue;
      const idx = this.objectIndexOrBug(s, slab, x);
      if (slab.state[idx] !== OBJ_ALLOCATED || survivors.includes(idx)) {
        throw new SlubBugError(`SLUB ${s.name}: double free of object 0x${x.toString(16)} in a bulk free not caught by KASAN`);
      }
      slab.tags[idx] = ptrTag(x);
      survivors.push(idx);
    }
    if (survivors.length === 0) return;
    // Rebuilt list: survivors reversed (head = last walked, tail = first walked).
    for (let i = survivors.length - 1; i > 0; i--) slab.next[survivors[i]] = survivors[i - 1];
    this.engine.freeList(s, slab, survivors[survivors.length - 1], survivors[0], survivors.length);
  }

  /** kmem_cache_free() of an allocator-internal object (struct kmem_cache / kmem_cache_node). */
  private freeInternal(s: KmemCache, ptr: Ptr, ip: number): void {
    const slab = this.engine.slabOf(ptr);
    if (slab === undefined) throw new Error(`SLUB ${s.name}: internal object 0x${ptr.toString(16)} is not slab memory`);
    if (this.tracer !== undefined) this.tracer.kmemCacheFree(ptr, slab.cache.name);
    this.slabFree(slab.cache, slab, ptr, ip);
  }

  // ------------------------------------------------------------------------------------------
  // Internals: cache creation

  /** Alignment create_boot_cache() computes (kmalloc caches: natural alignment of the size). */
  private bootAlign(flags: number, size: number): number {
    let align = ARCH_KMALLOC_MINALIGN;
    if ((flags & SLAB_KMALLOC) !== 0) align = Math.max(align, size & -size);
    return calculateAlignment(flags, align, size, this.archMinalign);
  }

  /** do_kmem_cache_create() → kmem_cache_open(): layout, then the node structure. */
  private doKmemCacheCreate(
    name: string,
    size: number,
    align: number,
    flags: number,
    ctor: ((p: Ptr) => void) | undefined,
    usersize: number,
    allocNode: boolean,
  ): KmemCache {
    const layout = calculateSizes({ objectSize: size, align, flags, hasCtor: ctor !== undefined, order: this.orderParams, hooks: this.hooks });
    const id = this.byId.length;
    const s = new KmemCache(id, name, layout, align, ctor, this.hardenedUsercopy ? usersize : 0, this.nrCpus);
    this.byId.push(s);
    if (allocNode) {
      // init_kmem_cache_nodes(): kmem_cache_alloc_node(kmem_cache_node, GFP_KERNEL, node).
      const n = this.kmemCacheAllocNode(this.kmemCacheNodeCache, GFP_KERNEL, 0);
      if (n === 0) throw new Error(`kmem_cache_create(${name}): out of memory for kmem_cache_node`);
      s.nodePtr = n;
    }
    return s;
  }

  /** create_kmalloc_caches(): per type, kmalloc-96 and -192 first, then 8 … 8k. */
  private createKmallocCaches(): void {
    const types = [KMALLOC_NORMAL, KMALLOC_RECLAIM, KMALLOC_DMA];
    if (this.memcg) types.push(KMALLOC_CGROUP);
    for (const type of types) {
      this.newKmallocCache(1, type);
      this.newKmallocCache(2, type);
      for (let i = KMALLOC_SHIFT_LOW; i <= KMALLOC_SHIFT_HIGH; i++) this.newKmallocCache(i, type);
    }
    if (!this.memcg) this.kmallocCaches[KMALLOC_CGROUP] = this.kmallocCaches[KMALLOC_NORMAL];
  }

  /** new_kmalloc_cache(idx, type): with minalign above 8, small classes alias larger ones. */
  private newKmallocCache(idx: number, type: number): void {
    let flags = 0;
    if (type === KMALLOC_RECLAIM) flags |= SLAB_RECLAIM_ACCOUNT;
    else if (type === KMALLOC_CGROUP) flags |= SLAB_ACCOUNT;
    else if (type === KMALLOC_DMA) flags |= SLAB_CACHE_DMA;
    if (this.memcg && type === KMALLOC_NORMAL) flags |= SLAB_NO_MERGE;
    let alignedSize = kmallocInfoSize(idx);
    let alignedIdx = idx;
    if (this.kmallocMinalign > ARCH_KMALLOC_MINALIGN) {
      alignedSize = alignUp(alignedSize, this.kmallocMinalign);
      alignedIdx = kmallocIndex(alignedSize);
    }
    const table = this.kmallocCaches[type];
    if (table[alignedIdx] === undefined) table[alignedIdx] = this.createKmallocCache(kmallocInfoName(alignedIdx, type), alignedSize, flags);
    if (idx !== alignedIdx) table[idx] = table[alignedIdx];
  }

  /** create_kmalloc_cache(): struct from kmem_cache, boot-cache layout, usercopy window = size. */
  private createKmallocCache(name: string, size: number, flags: number): KmemCache {
    const structPtr = this.allocStruct(GFP_NOWAIT);
    flags |= SLAB_KMALLOC;
    const s = this.doKmemCacheCreate(name, size, this.bootAlign(flags, size), flags, undefined, size, true);
    s.structPtr = structPtr;
    s.refcount = 1;
    this.slabCaches.push(s);
    return s;
  }

  /** find_mergeable(): the oldest cache this one can share, if merging is on. */
  private findMergeable(size: number, align: number, flags: number, ctor: ((p: Ptr) => void) | undefined): KmemCache | undefined {
    if (!this.slabMerge || ctor !== undefined || (flags & SLAB_NEVER_MERGE) !== 0) return undefined;
    size = alignUp(size, POINTER_SIZE);
    const a = calculateAlignment(flags, align, size, this.archMinalign);
    size = alignUp(size, a);
    for (const s of this.slabCaches) {
      if (this.slabUnmergeable(s)) continue;
      if (size > s.size) continue;
      if ((flags & SLAB_MERGE_SAME) !== (s.flags & SLAB_MERGE_SAME)) continue;
      if (s.size % a !== 0) continue;
      if (s.size - size >= POINTER_SIZE) continue;
      return s;
    }
    return undefined;
  }

  /** slab_unmergeable(s). */
  private slabUnmergeable(s: KmemCache): boolean {
    if (!this.slabMerge || (s.flags & SLAB_NEVER_MERGE) !== 0) return true;
    if (s.ctor !== undefined) return true;
    if (this.hardenedUsercopy && s.usersize !== 0) return true;
    return s.refcount < 0;
  }

  private checkOwnCache(fn: string, cache: KmemCache): void {
    if (!(cache instanceof KmemCache) || this.byId[cache.id] !== cache) {
      throw new Error(`${fn}: cache must be a KmemCache created by this allocator`);
    }
  }

  private checkLiveCache(fn: string, cache: KmemCache): void {
    this.checkOwnCache(fn, cache);
    if (!cache.listed) throw new Error(`${fn}: cache ${cache.name} has been destroyed`);
  }
}

/** slab_ksize(s): what ksize() reports for an object of cache `s`. */
export function slabKsize(s: KasanCacheView & { inuse: number }): number {
  if ((s.flags & (SLAB_RED_ZONE | SLAB_POISON)) !== 0) return s.objectSize;
  if ((s.flags & SLAB_KASAN) !== 0) return s.objectSize;
  if ((s.flags & (SLAB_TYPESAFE_BY_RCU | SLAB_STORE_USER)) !== 0) return s.inuse;
  return s.size;
}

/** ZERO_OR_NULL_PTR(p). */
export function isZeroOrNull(p: Ptr): boolean {
  return p <= ZERO_SIZE_PTR;
}

function checkGfp(fn: string, gfp: number): void {
  if (!Number.isInteger(gfp) || gfp < 0 || gfp > 0xffffffff) throw new Error(`${fn}: gfp must be a 32-bit unsigned integer, got ${gfp}`);
}
