/**
 * Replays parsed trace events into one booted model kernel. Traced pointers are keys only:
 * each allocation is redone by the model (same size, cache, order, gfp, call site on the
 * stack) and the traced address is mapped to the model's; a free finds its allocation by the
 * traced address with the tag stripped.
 *
 * What the model regenerates itself is not replayed twice ("derived"):
 *  - slab and kmalloc_large pages: an mm_page_alloc waits up to `claimWindow` events for a
 *    slab object or kmalloc_large block to show up inside it (allocate_slab / the large path
 *    allocate the page just before the object is handed out); unclaimed, it is replayed as a
 *    page allocation of its own; their mm_page_free later is derived too;
 *  - stack depot pools (order DEPOT_POOL_ORDER, no __GFP_COMP, gfp_nested_mask bits);
 *  - vmalloc's own metadata (vm_struct from __get_vm_area_node, the pages array, vmap_area
 *    objects from alloc_vmap_area) and backing pages (bulk-allocated untraced; the rare traced
 *    fallback carries __GFP_HIGHMEM), whose frees follow free_vmap_area_noflush;
 *  - purge_vmap_area_lazy: the model purges on its own schedule.
 * alloc_vmap_area is replayed as a vmalloc of that size (minus the guard page) and alignment;
 * 20 KiB areas with 32 KiB alignment are thread stacks (THREAD_SIZE + guard, THREAD_ALIGN).
 *
 * kmem_cache_alloc lines carry no cache name in 6.12: a call site's objects go to a cache of
 * the traced object_size (bytes_req) laid out to the traced slot size (bytes_alloc); when a
 * kmem_cache_free reveals the name, the cache takes it and later allocations from call sites
 * known to use that name share it.
 */
import type { Kernel } from "../../kernel/kernel.js";
import { DEPOT_POOL_ORDER } from "../../lib/stackdepot/stack-depot.js";
import {
  __GFP_COMP,
  __GFP_HARDWALL,
  __GFP_HIGHMEM,
  __GFP_NOMEMALLOC,
  __GFP_NORETRY,
  __GFP_NOWARN,
  __GFP_SKIP_KASAN,
  __GFP_ZERO,
  GFP_KERNEL,
  GFP_KERNEL_ACCOUNT,
  gfpForMode,
} from "../../mm/gfp.js";
import { PAGE_SIZE, PHYS_OFFSET } from "../../mm/memory-layout.js";
import type { KmemCache } from "../../mm/slab/kmem-cache.js";
import { KMALLOC_MAX_CACHE_SIZE } from "../../mm/slab/sizes.js";
import { ORIGINS, type Origin } from "../../cost/counters.js";
import {
  OUT_AFTER_WINDOW,
  OUT_BEFORE_WINDOW,
  OUT_FAILED_IN_MODEL,
  OUT_FAILED_IN_TRACE,
  OUT_IGNORED,
  OUT_MARKER,
  OUT_REPLAYED,
  OutcomeTable,
} from "./outcomes.js";
import { ReplayMemoryMeter } from "./memory-accounting.js";
import {
  EV_ALLOC_VMAP_AREA,
  EV_FREE_VMAP_AREA_NOFLUSH,
  EV_KFREE,
  EV_KMALLOC,
  EV_KMEM_CACHE_ALLOC,
  EV_KMEM_CACHE_FREE,
  EV_LOST,
  EV_MM_PAGE_ALLOC,
  EV_MM_PAGE_FREE,
  EV_MM_PAGE_FREE_BATCHED,
  EV_NONE,
  EV_OTHER,
  EV_PURGE_VMAP_AREA_LAZY,
  EV_TRACING_MARK_WRITE,
  type TraceRecord,
} from "./trace-record.js";

/** Events an mm_page_alloc waits for the slab object or kmalloc_large block it was for. */
export const DEFAULT_CLAIM_WINDOW = 64;
/** Low 48 bits where arm64's linear map ends and the vmalloc area begins (0xffff8000…). */
const LINEAR_END_LOW48 = 0x8000_0000_0000;
/** THREAD_SIZE (16 KiB, hw_tags/off) + guard page, at THREAD_ALIGN. */
const STACK_AREA_SIZE = 20480;
const STACK_AREA_ALIGN = 32768;
/** Call sites whose allocations are vmalloc's own metadata (the model's vmalloc makes them). */
const VMALLOC_INTERNAL_SITES = new Set(["__get_vm_area_node", "alloc_vmap_area", "__vmalloc_node_range_noprof", "__vmalloc_area_node", "preload_this_cpu_lock"]);
const DEPOT_POOL_GFP = __GFP_NOWARN | __GFP_NORETRY | __GFP_NOMEMALLOC;
/** siteClass values per call-site id. */
const SITE_REPLAYED = 1;
const SITE_VMALLOC_INTERNAL = 2;
const UNPLACEABLE_KFREE = "kfree of an object allocated before tracing started";
const UNPLACEABLE_KMEM_CACHE_FREE = "kmem_cache_free of an object allocated before tracing started";
const UNPLACEABLE_PAGE_FREE = "mm_page_free of a page allocated before tracing started or without a trace event (bulk allocation)";
const UNPLACEABLE_PAGE_FREE_BATCHED = "mm_page_free_batched of a page allocated before tracing started or without a trace event (bulk allocation)";
/** Buckets (pfn mod this) counting live pending page allocations: a page free scans the queue only on a hit. */
const PENDING_PFN_BUCKETS = 4096;
const PGTABLE_GFP = GFP_KERNEL_ACCOUNT | __GFP_ZERO;

export interface ReplayEngineOptions {
  /** Replay only between the marker `fromMark` … (state before it is built silently). */
  fromMark?: string;
  /** … and the marker `toMark` (events after it are counted, not replayed). */
  toMark?: string;
  claimWindow?: number;
  /** memstart_addr of the traced machine (QEMU virt: 0x40000000, the model's PHYS_OFFSET). */
  physOffset?: number;
}

/** A cache replay created for kmem_cache_alloc call sites (named once a free names it). */
export interface ReplayCache {
  name: string | undefined;
  readonly objectSize: number;
  readonly slotSize: number;
  readonly kmem: KmemCache;
}

/** A live traced allocation: the model pointer, what was asked for, and where it came from. */
export class LiveObject {
  constructor(
    readonly sim: number,
    readonly req: number,
    /** kmem_cache_alloc objects: their cache; kmalloc objects: undefined. */
    readonly cache: ReplayCache | undefined,
    readonly site: string,
  ) {}
}
/** vmalloc metadata and other objects the model allocates itself. */
const DERIVED_OBJECT = new LiveObject(0, 0, undefined, "");

interface PendingPage {
  idx: number;
  pfn: number;
  order: number;
  gfp: number;
  cpu: number;
  pid: number;
  hardirq: boolean;
  silent: boolean;
  live: boolean;
}

export class ReplayEngine {
  readonly table = new OutcomeTable();
  readonly meter: ReplayMemoryMeter;
  /** Events seen by this engine (in or out of the window). */
  events = 0;
  /** Events the ring buffer lost (`[LOST N EVENTS]`): the accounting is incomplete by that many. */
  lostEvents = 0;
  /** Allocations of an address the trace still had live (its free was not traced): freed first. */
  implicitFrees = 0;
  /** "before" until --from-mark, "in", then "after" --to-mark. */
  phase: "before" | "in" | "after";
  readonly warnings: string[] = [];

  private readonly fromMark: string | undefined;
  private readonly toMark: string | undefined;
  private readonly claimWindow: number;
  private readonly physOffset: number;
  private readonly objects = new Map<number, LiveObject>();
  /** Replayed page blocks: traced pfn → model pfn · 256 + origin index · 16 + order. */
  private readonly pages = new Map<number, number>();
  /** Traced page blocks the model makes itself (slab, kmalloc_large, depot, vmalloc backing): pfn → order. */
  private readonly derivedPages = new Map<number, number>();
  /** Replayed vmap areas: traced va_start (low 48 bits) → model pointer. */
  private readonly vmaps = new Map<number, { sim: number; nrPages: number; size: number }>();
  /** Per CPU: backing-page frees still expected after a replayed vfree. */
  private readonly vfreePagesDue: number[];
  private readonly pending: PendingPage[] = [];
  private pendingHead = 0;
  private pendingLive = 0;
  /** Live pending page allocations per pfn bucket. */
  private readonly pendingPfnCount = new Int32Array(PENDING_PFN_BUCKETS);
  private readonly ips = new Map<string, number>();
  /** By TraceRecord.callSiteId: the call site's address, and whether it is vmalloc metadata (SITE_*). */
  private readonly siteIpById: number[] = [];
  private readonly siteClass: number[] = [];
  private readonly siteCaches = new Map<string, ReplayCache>();
  private readonly siteNames = new Map<string, string>();
  private readonly namedCaches = new Map<string, ReplayCache>();
  private readonly sizeCaches = new Map<number, ReplayCache>();
  readonly caches: ReplayCache[] = [];
  private readonly mode: Kernel["mode"];

  constructor(
    readonly k: Kernel,
    opts: ReplayEngineOptions = {},
  ) {
    this.fromMark = opts.fromMark;
    this.toMark = opts.toMark;
    this.claimWindow = opts.claimWindow ?? DEFAULT_CLAIM_WINDOW;
    this.physOffset = opts.physOffset ?? PHYS_OFFSET;
    this.phase = this.fromMark === undefined ? "in" : "before";
    this.mode = k.mode;
    this.vfreePagesDue = new Array<number>(k.ctx.nrCpus).fill(0);
    this.meter = new ReplayMemoryMeter(k);
  }

  /** Live traced objects the model holds for the trace (the only state that grows). */
  get liveObjects(): number {
    return this.objects.size;
  }

  /** Feed one parsed record (EV_NONE records are ignored). */
  feed(rec: TraceRecord): void {
    const kind = rec.kind;
    if (kind === EV_NONE) return;
    this.events++;
    if (kind === EV_LOST) {
      this.lostEvents += rec.lost;
      this.table.add(kind, OUT_IGNORED);
      return;
    }
    if (this.phase === "after") {
      this.table.add(kind, OUT_AFTER_WINDOW);
      return;
    }
    const silent = this.phase === "before";
    if (this.pendingLive > 0) this.expirePending(false);
    const ctx = this.k.ctx;
    ctx.cpu = rec.cpu % ctx.nrCpus;
    ctx.pid = rec.pid;
    ctx.inIrq = rec.hardirq;
    switch (kind) {
      case EV_KMALLOC:
        this.kmalloc(rec, silent);
        break;
      case EV_KMEM_CACHE_ALLOC:
        this.kmemCacheAlloc(rec, silent);
        break;
      case EV_KFREE:
      case EV_KMEM_CACHE_FREE:
        this.free(rec, silent);
        break;
      case EV_MM_PAGE_ALLOC:
        this.pageAlloc(rec, silent);
        break;
      case EV_MM_PAGE_FREE:
      case EV_MM_PAGE_FREE_BATCHED:
        this.pageFree(rec, silent);
        break;
      case EV_ALLOC_VMAP_AREA:
        this.allocVmapArea(rec, silent);
        break;
      case EV_FREE_VMAP_AREA_NOFLUSH:
        this.freeVmapArea(rec, silent);
        break;
      case EV_PURGE_VMAP_AREA_LAZY:
        this.count(kind, silent, -1, "purge_vmap_area_lazy: the model purges lazily freed areas on its own schedule");
        break;
      case EV_TRACING_MARK_WRITE:
        this.marker(rec, silent);
        break;
      default:
        if (silent) this.table.add(EV_OTHER, OUT_BEFORE_WINDOW);
        else {
          this.table.add(EV_OTHER, OUT_IGNORED);
          this.table.otherEvents.set(rec.event, (this.table.otherEvents.get(rec.event) ?? 0) + 1);
        }
        return;
    }
    if (!silent) this.meter.sample();
  }

  /** End of input: settle page allocations still waiting for a claim. */
  finish(): void {
    this.expirePending(true);
    this.meter.sample();
  }

  // ------------------------------------------------------------------ outcomes

  /** Tally an outcome; `out` < 0 with a reason tallies "derived", otherwise the outcome. */
  private count(kind: number, silent: boolean, out: number, derivedReason?: string): void {
    if (silent) this.table.add(kind, OUT_BEFORE_WINDOW);
    else if (derivedReason !== undefined) this.table.derived(kind, derivedReason);
    else this.table.add(kind, out);
  }

  private unplaceable(kind: number, silent: boolean, reason: string): void {
    if (silent) this.table.add(kind, OUT_BEFORE_WINDOW);
    else this.table.unplaceable(kind, reason);
  }

  // ------------------------------------------------------------------ slab

  private kmalloc(rec: TraceRecord, silent: boolean): void {
    if (this.pendingLive > 0) this.claim(rec, rec.bytesAlloc > KMALLOC_MAX_CACHE_SIZE ? "kmalloc_large pages: the model's kmalloc allocates them" : "slab page: the model's SLUB allocates its own");
    const key = rec.ptrLow48;
    if (key === 0) {
      this.count(EV_KMALLOC, silent, OUT_FAILED_IN_TRACE);
      return;
    }
    if (this.vmallocInternal(rec)) {
      this.setObject(key, DERIVED_OBJECT);
      this.count(EV_KMALLOC, silent, -1, "vmalloc metadata: the model's vmalloc allocates it");
      return;
    }
    const gfp = gfpForMode(rec.gfp, this.mode);
    const st = this.k.ctx.callStack;
    st.push(this.siteIp(rec));
    let sim: number;
    try {
      sim = this.k.slab.kmalloc(rec.bytesReq, gfp);
    } finally {
      st.pop();
    }
    if (sim === 0) {
      this.count(EV_KMALLOC, silent, OUT_FAILED_IN_MODEL);
      return;
    }
    this.setObject(key, new LiveObject(sim, rec.bytesReq, undefined, rec.callSite));
    this.count(EV_KMALLOC, silent, OUT_REPLAYED);
  }

  private kmemCacheAlloc(rec: TraceRecord, silent: boolean): void {
    if (this.pendingLive > 0) this.claim(rec, "slab page: the model's SLUB allocates its own");
    const key = rec.ptrLow48;
    if (key === 0) {
      this.count(EV_KMEM_CACHE_ALLOC, silent, OUT_FAILED_IN_TRACE);
      return;
    }
    if (this.vmallocInternal(rec)) {
      this.setObject(key, DERIVED_OBJECT);
      this.count(EV_KMEM_CACHE_ALLOC, silent, -1, "vmalloc metadata: the model's vmalloc allocates it");
      return;
    }
    const rc = this.cacheFor(rec.callSite, rec.bytesReq, rec.bytesAlloc);
    const gfp = gfpForMode(rec.gfp, this.mode);
    const st = this.k.ctx.callStack;
    st.push(this.siteIp(rec));
    let sim: number;
    try {
      sim = this.k.slab.kmemCacheAlloc(rc.kmem, gfp);
    } finally {
      st.pop();
    }
    if (sim === 0) {
      this.count(EV_KMEM_CACHE_ALLOC, silent, OUT_FAILED_IN_MODEL);
      return;
    }
    this.setObject(key, new LiveObject(sim, rc.objectSize, rc, rec.callSite));
    this.count(EV_KMEM_CACHE_ALLOC, silent, OUT_REPLAYED);
  }

  private free(rec: TraceRecord, silent: boolean): void {
    const kind = rec.kind;
    const key = rec.ptrLow48;
    if (key <= 16 && rec.ptrHi16 === 0) {
      // kfree(NULL) / kfree(ZERO_SIZE_PTR): traced, and a no-op in the model too.
      this.count(kind, silent, OUT_REPLAYED);
      return;
    }
    const obj = this.objects.get(key);
    if (obj === undefined) {
      this.unplaceable(kind, silent, kind === EV_KFREE ? UNPLACEABLE_KFREE : UNPLACEABLE_KMEM_CACHE_FREE);
      return;
    }
    this.objects.delete(key);
    if (obj === DERIVED_OBJECT) {
      this.count(kind, silent, -1, "vmalloc metadata freed by the model's vfree/purge");
      return;
    }
    if (kind === EV_KMEM_CACHE_FREE && rec.cacheName !== "" && obj.cache !== undefined) this.learnName(obj, rec.cacheName);
    const st = this.k.ctx.callStack;
    st.push(this.siteIp(rec));
    try {
      if (obj.cache !== undefined && kind === EV_KMEM_CACHE_FREE) this.k.slab.kmemCacheFree(obj.cache.kmem, obj.sim);
      else this.k.slab.kfree(obj.sim);
    } finally {
      st.pop();
    }
    this.meter.freed(obj);
    this.count(kind, silent, OUT_REPLAYED);
  }

  private setObject(key: number, obj: LiveObject): void {
    const old = this.objects.get(key);
    if (old !== undefined) {
      // The trace handed out an address it never freed in the trace (e.g. kmem_cache_free_bulk,
      // which does not trace): free the model's object so both stay in step.
      this.implicitFrees++;
      if (old !== DERIVED_OBJECT) {
        if (old.cache !== undefined) this.k.slab.kmemCacheFree(old.cache.kmem, old.sim);
        else this.k.slab.kfree(old.sim);
        this.meter.freed(old);
      }
    }
    this.objects.set(key, obj);
    if (obj !== DERIVED_OBJECT) this.meter.allocated(obj);
  }

  /** The cache a kmem_cache_alloc call site allocates from. */
  private cacheFor(site: string, req: number, alloc: number): ReplayCache {
    const known = this.siteCaches.get(site);
    if (known !== undefined && known.objectSize === req && known.slotSize === alloc) return known;
    const name = this.siteNames.get(site);
    let rc = name === undefined ? undefined : this.namedCaches.get(name);
    if (rc === undefined || rc.objectSize !== req) {
      const sizeKey = req * 65536 + alloc;
      rc = name === undefined ? this.sizeCaches.get(sizeKey) : undefined;
      if (rc === undefined) {
        rc = this.createCache(name, req, alloc);
        if (name === undefined) this.sizeCaches.set(sizeKey, rc);
        else this.namedCaches.set(name, rc);
      }
    }
    this.siteCaches.set(site, rc);
    return rc;
  }

  private createCache(name: string | undefined, req: number, alloc: number): ReplayCache {
    const align = slotAlign(req, alloc);
    const kmem = this.k.slab.kmemCacheCreate(name ?? `replay-${req}-${alloc}`, req, align, 0);
    const rc: ReplayCache = { name, objectSize: req, slotSize: alloc, kmem };
    this.caches.push(rc);
    return rc;
  }

  /** A kmem_cache_free named the cache of an object allocated at `obj.site`. */
  private learnName(obj: LiveObject, name: string): void {
    const rc = obj.cache as ReplayCache;
    if (this.siteNames.get(obj.site) === name) return;
    this.siteNames.set(obj.site, name);
    const named = this.namedCaches.get(name);
    if (rc.name === undefined && named === undefined) {
      // The provisional cache of these sizes becomes the named one.
      rc.name = name;
      rc.kmem.name = name;
      this.namedCaches.set(name, rc);
      for (const [k, v] of this.sizeCaches) if (v === rc) this.sizeCaches.delete(k);
      return;
    }
    // Later allocations from this site go to the cache of that name.
    if (named !== undefined && named.objectSize === rc.objectSize) this.siteCaches.set(obj.site, named);
    else this.siteCaches.delete(obj.site);
  }

  private ip(callSite: string): number {
    let ip = this.ips.get(callSite);
    if (ip === undefined) {
      ip = symbolIp(this.k, callSite);
      this.ips.set(callSite, ip);
    }
    return ip;
  }

  /** The address standing for the record's call site (found by its interned id when it has one). */
  private siteIp(rec: TraceRecord): number {
    const id = rec.callSiteId;
    if (id < 0) return this.ip(rec.callSite);
    let ip = this.siteIpById[id];
    if (ip === undefined) this.siteIpById[id] = ip = this.ip(rec.callSite);
    return ip;
  }

  /** The record's call site is vmalloc's own metadata allocation. */
  private vmallocInternal(rec: TraceRecord): boolean {
    const id = rec.callSiteId;
    if (id >= 0) {
      const c = this.siteClass[id];
      if (c !== undefined) return c === SITE_VMALLOC_INTERNAL;
    }
    const internal = VMALLOC_INTERNAL_SITES.has(siteFunction(rec.callSite));
    if (id >= 0) this.siteClass[id] = internal ? SITE_VMALLOC_INTERNAL : SITE_REPLAYED;
    return internal;
  }

  // ------------------------------------------------------------------ pages

  private pageAlloc(rec: TraceRecord, silent: boolean): void {
    const gfp = rec.gfp;
    const order = rec.order;
    if (rec.pfn === 0) {
      this.count(EV_MM_PAGE_ALLOC, silent, OUT_FAILED_IN_TRACE);
      return;
    }
    if (order === DEPOT_POOL_ORDER && (gfp & __GFP_COMP) === 0 && (gfp & DEPOT_POOL_GFP) === DEPOT_POOL_GFP) {
      this.derivedPages.set(rec.pfn, order);
      this.count(EV_MM_PAGE_ALLOC, silent, -1, "stack depot pool: the model's stack depot allocates its own");
      return;
    }
    if ((gfp & __GFP_HIGHMEM) !== 0 && (gfp & __GFP_HARDWALL) === 0) {
      this.derivedPages.set(rec.pfn, order);
      this.count(EV_MM_PAGE_ALLOC, silent, -1, "vmalloc backing page: the model's vmalloc allocates its own");
      return;
    }
    this.pending.push({ idx: this.events, pfn: rec.pfn, order, gfp, cpu: this.k.ctx.cpu, pid: rec.pid, hardirq: rec.hardirq, silent, live: true });
    this.pendingLive++;
    this.pendingPfnCount[rec.pfn % PENDING_PFN_BUCKETS]++;
  }

  /** A slab object or kmalloc_large block at `rec.ptr`: the pending page it lies in was for it. */
  private claim(rec: TraceRecord, reason: string): void {
    if (rec.ptrLow48 >= LINEAR_END_LOW48 || (rec.ptrHi16 & 0xff) !== 0xff) return;
    const pfn = Math.floor((rec.ptrLow48 + this.physOffset) / PAGE_SIZE);
    const q = this.pending;
    for (let i = this.pendingHead; i < q.length; i++) {
      const p = q[i];
      if (!p.live || pfn < p.pfn || pfn >= p.pfn + 2 ** p.order) continue;
      this.settlePending(p);
      this.derivedPages.set(p.pfn, p.order);
      this.count(EV_MM_PAGE_ALLOC, p.silent, -1, reason);
      return;
    }
  }

  /** Replay page allocations nobody claimed within the window (all of them when `all`). */
  private expirePending(all: boolean): void {
    const q = this.pending;
    while (this.pendingHead < q.length) {
      const p = q[this.pendingHead];
      if (p.live) {
        if (!all && this.events - p.idx <= this.claimWindow) break;
        this.replayPageAlloc(p);
      }
      this.pendingHead++;
    }
    if (this.pendingHead === q.length) {
      q.length = 0;
      this.pendingHead = 0;
    } else if (this.pendingHead > 1024) {
      q.splice(0, this.pendingHead);
      this.pendingHead = 0;
    }
  }

  /** A pending page allocation is decided (claimed or replayed). */
  private settlePending(p: PendingPage): void {
    p.live = false;
    this.pendingLive--;
    this.pendingPfnCount[p.pfn % PENDING_PFN_BUCKETS]--;
  }

  private replayPageAlloc(p: PendingPage): void {
    this.settlePending(p);
    const ctx = this.k.ctx;
    const cpu = ctx.cpu;
    const pid = ctx.pid;
    const irq = ctx.inIrq;
    ctx.cpu = p.cpu;
    ctx.pid = p.pid;
    ctx.inIrq = p.hardirq;
    try {
      const old = this.pages.get(p.pfn);
      if (old !== undefined) {
        this.implicitFrees++;
        this.pages.delete(p.pfn);
        this.k.pages.freePages(Math.floor(old / 256), old & 15);
      }
      let gfp = p.gfp;
      const origin = pageOrigin(gfp, p.order);
      if (origin === "pageTable" && this.k.policy.skipPgtables) gfp |= __GFP_SKIP_KASAN;
      const counters = this.k.counters;
      counters.enter(origin);
      let pfn: number;
      try {
        pfn = this.k.pages.allocPages(gfpForMode(gfp >>> 0, this.mode), p.order);
      } finally {
        counters.leave();
      }
      if (pfn < 0) {
        this.count(EV_MM_PAGE_ALLOC, p.silent, OUT_FAILED_IN_MODEL);
        return;
      }
      this.pages.set(p.pfn, pfn * 256 + ORIGINS.indexOf(origin) * 16 + p.order);
      this.count(EV_MM_PAGE_ALLOC, p.silent, OUT_REPLAYED);
    } finally {
      ctx.cpu = cpu;
      ctx.pid = pid;
      ctx.inIrq = irq;
    }
  }

  private pageFree(rec: TraceRecord, silent: boolean): void {
    const kind = rec.kind;
    const pfn = rec.pfn;
    if (this.pendingPfnCount[pfn % PENDING_PFN_BUCKETS] > 0) {
      const q = this.pending;
      for (let i = this.pendingHead; i < q.length; i++) {
        const p = q[i];
        if (p.live && p.pfn === pfn) {
          this.replayPageAlloc(p);
          break;
        }
      }
    }
    if (this.derivedPages.delete(pfn)) {
      this.count(kind, silent, -1, "free of a page the model allocates itself (slab, kmalloc_large, depot, vmalloc)");
      return;
    }
    const v = this.pages.get(pfn);
    if (v !== undefined) {
      this.pages.delete(pfn);
      const counters = this.k.counters;
      counters.enter(ORIGINS[(v >>> 4) & 15]);
      try {
        this.k.pages.freePages(Math.floor(v / 256), v & 15);
      } finally {
        counters.leave();
      }
      this.count(kind, silent, OUT_REPLAYED);
      return;
    }
    const cpu = this.k.ctx.cpu;
    if (rec.order === 0 && this.vfreePagesDue[cpu] > 0) {
      this.vfreePagesDue[cpu]--;
      this.count(kind, silent, -1, "vmalloc backing page freed by the model's vfree");
      return;
    }
    this.unplaceable(kind, silent, kind === EV_MM_PAGE_FREE ? UNPLACEABLE_PAGE_FREE : UNPLACEABLE_PAGE_FREE_BATCHED);
  }

  // ------------------------------------------------------------------ vmalloc

  private allocVmapArea(rec: TraceRecord, silent: boolean): void {
    if (rec.failed !== 0) {
      this.count(EV_ALLOC_VMAP_AREA, silent, OUT_FAILED_IN_TRACE);
      return;
    }
    const stack = rec.size === STACK_AREA_SIZE && rec.align === STACK_AREA_ALIGN;
    // The traced size includes the guard page (unless VM_NO_GUARD, which a one-page area implies).
    const size = rec.size > PAGE_SIZE ? rec.size - PAGE_SIZE : rec.size;
    let gfp = stack ? GFP_KERNEL | __GFP_ZERO : GFP_KERNEL;
    if (stack && this.k.policy.skipStacks) gfp |= __GFP_SKIP_KASAN;
    const counters = this.k.counters;
    counters.enter(stack ? "threadStack" : "vmalloc");
    let sim: number;
    try {
      sim = this.k.vmalloc.vmallocNodeRange(size, rec.align, gfpForMode(gfp >>> 0, this.mode), "PAGE_KERNEL", 0, -1, stack ? "alloc_thread_stack_node" : "replay");
    } finally {
      counters.leave();
    }
    if (sim === 0) {
      this.count(EV_ALLOC_VMAP_AREA, silent, OUT_FAILED_IN_MODEL);
      return;
    }
    const old = this.vmaps.get(rec.vaStart);
    if (old !== undefined) {
      this.implicitFrees++;
      this.k.vmalloc.vfree(old.sim);
      this.meter.vmapFreed(old.sim, old.size);
    }
    this.vmaps.set(rec.vaStart, { sim, nrPages: Math.ceil(size / PAGE_SIZE), size: rec.size });
    this.meter.vmapAllocated(sim, rec.size);
    this.count(EV_ALLOC_VMAP_AREA, silent, OUT_REPLAYED);
  }

  private freeVmapArea(rec: TraceRecord, silent: boolean): void {
    const va = this.vmaps.get(rec.vaStart);
    if (va === undefined) {
      this.unplaceable(EV_FREE_VMAP_AREA_NOFLUSH, silent, "free_vmap_area_noflush of an area allocated before tracing started");
      return;
    }
    this.vmaps.delete(rec.vaStart);
    const counters = this.k.counters;
    counters.enter("vmalloc");
    try {
      this.k.vmalloc.vfree(va.sim);
    } finally {
      counters.leave();
    }
    this.meter.vmapFreed(va.sim, va.size);
    this.vfreePagesDue[this.k.ctx.cpu] += va.nrPages;
    this.count(EV_FREE_VMAP_AREA_NOFLUSH, silent, OUT_REPLAYED);
  }

  // ------------------------------------------------------------------ markers

  private marker(rec: TraceRecord, silent: boolean): void {
    if (silent) {
      this.table.add(EV_TRACING_MARK_WRITE, OUT_BEFORE_WINDOW);
      if (markerMatches(rec.marker, this.fromMark)) {
        // The window opens: settle what is pending, then count from zero.
        this.expirePending(true);
        this.phase = "in";
        this.k.counters.reset();
        this.meter.reset();
      }
      return;
    }
    this.table.add(EV_TRACING_MARK_WRITE, OUT_MARKER);
    if (this.toMark !== undefined && markerMatches(rec.marker, this.toMark)) {
      this.expirePending(true);
      this.meter.sample();
      this.phase = "after";
    }
  }
}

/** A marker names the window edge if its text, or its last word, equals the name given. */
export function markerMatches(text: string, name: string | undefined): boolean {
  if (name === undefined) return false;
  if (text === name) return true;
  const sp = text.lastIndexOf(" ");
  return sp >= 0 && text.slice(sp + 1) === name;
}

/** The function of a %pS call site: `func+0x10/0x20 [mod]` → `func`. */
export function siteFunction(callSite: string): string {
  const plus = callSite.indexOf("+");
  return plus < 0 ? callSite : callSite.slice(0, plus);
}

/** Register the traced call site with the model's kallsyms and return its address. */
function symbolIp(k: Kernel, callSite: string): number {
  const ks = k.ctx.kallsyms;
  const m = /^([^+\s]+)\+0x([0-9a-f]+)\/0x([0-9a-f]+)(?: \[([^\]]+)\])?$/i.exec(callSite);
  if (m === null) return ks.ip(ks.sym(callSite), 0);
  const off = parseInt(m[2], 16);
  const size = parseInt(m[3], 16);
  const id = ks.sym(m[1], size > 0 && size < 2 ** 20 ? size : undefined, m[4]);
  return ks.ip(id, off);
}

/**
 * The alignment that lays `req`-byte objects out in `alloc`-byte slots the way the traced
 * kernel did: the smallest power of two (8 upward) that rounds req up to alloc; 0 (the
 * cache default) when none does (a free pointer or debug data outside the object).
 */
export function slotAlign(req: number, alloc: number): number {
  for (let a = 8; a <= 4096; a *= 2) {
    const r = Math.ceil(req / a) * a;
    if (r === alloc) return a;
    if (r > alloc) break;
  }
  return 0;
}

/** Which counter origin a traced page allocation belongs to. */
export function pageOrigin(gfp: number, order: number): Origin {
  if ((gfp & __GFP_HARDWALL) !== 0) return "userPage";
  if (order === 0 && ((gfp & ~__GFP_COMP) >>> 0) === PGTABLE_GFP) return "pageTable";
  return "other";
}
