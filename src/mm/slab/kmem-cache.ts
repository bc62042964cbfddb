/**
 * struct kmem_cache: a SLUB cache's geometry (computed like mm/slub.c calculate_sizes and
 * kmem_cache_open) and its allocation state (per-CPU slab + lockless freelist, per-CPU partial
 * slabs, the node's partial list; one NUMA node is modelled).
 */
import type { Ptr } from "../../arch/pointer.js";
import { __GFP_COMP, __GFP_DMA, __GFP_DMA32, __GFP_RECLAIMABLE } from "../gfp.js";
import type { KasanCacheInfo, KasanCacheView, KasanHooks } from "../kasan-hooks.js";
import { getOrder } from "../memory-layout.js";
import {
  SLAB_CACHE_DMA,
  SLAB_CACHE_DMA32,
  SLAB_KMALLOC,
  SLAB_POISON,
  SLAB_RECLAIM_ACCOUNT,
  SLAB_TYPESAFE_BY_RCU,
} from "./flags.js";
import type { Slab } from "./slab.js";
import {
  POINTER_SIZE,
  alignUp,
  calculateOrder,
  cpuPartialObjects,
  cpuPartialSlabs,
  minPartialFor,
  orderObjects,
  type OrderParams,
} from "./sizes.js";

/** What calculate_sizes produces. */
export interface CacheLayout {
  objectSize: number;
  /** s->inuse: end of the object proper (word aligned). */
  inuse: number;
  /** s->offset: where the free pointer lives (≥ inuse ⇒ outside the object). */
  offset: number;
  /** s->size: slot stride. */
  size: number;
  flags: number;
  kasanInfo: KasanCacheInfo;
  /** oo: slab order and objects per slab. */
  order: number;
  objectsPerSlab: number;
  /** s->min: fallback order when the preferred order cannot be allocated. */
  minOrder: number;
  minObjects: number;
  /** s->allocflags added to every slab page allocation. */
  allocflags: number;
}

export interface CalculateSizesArgs {
  objectSize: number;
  align: number;
  flags: number;
  hasCtor: boolean;
  order: OrderParams;
  hooks: KasanHooks;
}

/** calculate_sizes(): object layout, KASAN metadata (kasan_cache_create) and slab order. */
export function calculateSizes(a: CalculateSizesArgs): CacheLayout {
  let flags = a.flags;
  let size = alignUp(a.objectSize, POINTER_SIZE);
  const inuse = size;
  let offset: number;
  // Objects whose contents must survive a free (RCU readers, constructed state, poison) keep
  // the free pointer after the object; others store it in the middle of the object.
  if ((flags & SLAB_TYPESAFE_BY_RCU) !== 0 || (flags & SLAB_POISON) !== 0 || a.hasCtor) {
    offset = size;
    size += POINTER_SIZE;
  } else {
    offset = Math.floor(a.objectSize / 2 / POINTER_SIZE) * POINTER_SIZE;
  }
  const kasanInfo: KasanCacheInfo = { allocMetaOffset: 0, freeMetaOffset: 0 };
  const args = { objectSize: a.objectSize, size, flags, hasCtor: a.hasCtor, info: kasanInfo };
  a.hooks.cacheCreate(args);
  size = args.size;
  flags = args.flags;
  size = alignUp(size, a.align);
  const order = calculateOrder(size, a.order);
  if (order < 0) throw new Error(`calculate_sizes: object size ${size} cannot be placed in a slab (order > MAX_PAGE_ORDER)`);
  let allocflags = __GFP_COMP;
  if ((flags & SLAB_CACHE_DMA) !== 0) allocflags |= __GFP_DMA;
  if ((flags & SLAB_CACHE_DMA32) !== 0) allocflags |= __GFP_DMA32;
  if ((flags & SLAB_RECLAIM_ACCOUNT) !== 0) allocflags |= __GFP_RECLAIMABLE;
  const minOrder = getOrder(size);
  return {
    objectSize: a.objectSize,
    inuse,
    offset,
    size,
    flags,
    kasanInfo,
    order,
    objectsPerSlab: orderObjects(order, size),
    minOrder,
    minObjects: orderObjects(minOrder, size),
    allocflags,
  };
}

export class KmemCache implements KasanCacheView {
  name: string;
  /** s->object_size (grows when a larger cache is merged into this one). */
  objectSize: number;
  size: number;
  flags: number;
  readonly hasCtor: boolean;
  readonly kasanInfo: KasanCacheInfo;
  /** s->align. */
  readonly align: number;
  /** s->inuse. */
  inuse: number;
  /** s->offset (free pointer position). */
  readonly offset: number;
  readonly order: number;
  readonly objectsPerSlab: number;
  readonly minOrder: number;
  readonly minObjects: number;
  readonly allocflags: number;
  /** s->min_partial: empty slabs kept on the node list before freeing them. */
  readonly minPartial: number;
  /** s->cpu_partial (objects) and s->cpu_partial_slabs. */
  readonly cpuPartial: number;
  readonly cpuPartialSlabs: number;
  /** s->usersize (hardened usercopy window; kmalloc caches: the whole object). */
  readonly usersize: number;
  /** s->refcount: −1 = boot cache exempt from merging; aliases add one each. */
  refcount = 1;
  /** On slab_caches (false once kmem_cache_destroy removed it). */
  listed = true;
  /** The struct kmem_cache object this cache lives in (a kmem_cache-cache object; 0 before bootstrap). */
  structPtr: Ptr = 0;
  /** The struct kmem_cache_node object of node 0 (a kmem_cache_node-cache object). */
  nodePtr: Ptr = 0;

  // --- per-CPU state (struct kmem_cache_cpu) ---
  /** c->slab. */
  readonly cpuSlab: (Slab | null)[];
  /** c->freelist: head object index in c->slab, −1 = NULL. */
  readonly cpuFreelist: Int32Array;
  /** c->partial: chain through slab.cpuPartialNext. */
  readonly cpuPartialHead: (Slab | null)[];

  // --- node state (struct kmem_cache_node) ---
  partialHead: Slab | null = null;
  partialTail: Slab | null = null;
  nrPartial = 0;
  /** node_nr_slabs / total objects of those slabs. */
  nrSlabs = 0;
  totalObjects = 0;
  /** Objects not on any freelist (allocated, or held by KASAN / a pending RCU free). */
  liveObjects = 0;

  constructor(
    /** Index in the allocator's cache table (slab->slab_cache as an id). */
    readonly id: number,
    name: string,
    layout: CacheLayout,
    align: number,
    readonly ctor: ((p: Ptr) => void) | undefined,
    usersize: number,
    nrCpus: number,
  ) {
    this.name = name;
    this.objectSize = layout.objectSize;
    this.size = layout.size;
    this.flags = layout.flags;
    this.hasCtor = ctor !== undefined;
    this.kasanInfo = layout.kasanInfo;
    this.align = align;
    this.inuse = layout.inuse;
    this.offset = layout.offset;
    this.order = layout.order;
    this.objectsPerSlab = layout.objectsPerSlab;
    this.minOrder = layout.minOrder;
    this.minObjects = layout.minObjects;
    this.allocflags = layout.allocflags;
    this.minPartial = minPartialFor(layout.size);
    this.cpuPartial = cpuPartialObjects(layout.size);
    this.cpuPartialSlabs = cpuPartialSlabs(this.cpuPartial, layout.objectsPerSlab);
    this.usersize = usersize;
    this.cpuSlab = new Array<Slab | null>(nrCpus).fill(null);
    this.cpuFreelist = new Int32Array(nrCpus).fill(-1);
    this.cpuPartialHead = new Array<Slab | null>(nrCpus).fill(null);
  }

  get isKmalloc(): boolean {
    return (this.flags & SLAB_KMALLOC) !== 0;
  }

  /** get_info_end(): end of the object plus an out-of-object free pointer. */
  get infoEnd(): number {
    return this.offset >= this.inuse ? this.inuse + POINTER_SIZE : this.inuse;
  }
}
