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
import { LIVE_DERIVED, LIVE_KMALLOC, LiveObjectTable } from "./live-objects.js";
import { PendingPages } from "./pending-pages.js";
import { PageBlockTable } from "./page-block-table.js";
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
  /** Index in ReplayEngine.caches. */
  readonly index: number;
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
  /** Live traced objects by traced address. */
  private readonly objects = new LiveObjectTable();
  /** Replayed page blocks: traced pfn → model pfn · 256 + origin index · 16 + order. */
  private readonly pages = new PageBlockTable();
  /** Traced page blocks the model makes itself (slab, kmalloc_large, depot, vmalloc backing): pfn → order. */
  private readonly derivedPages = new PageBlockTable();
  /** Replayed vmap areas: traced va_start (low 48 bits) → model pointer. */
  private readonly vmaps = new Map<number, { sim: number; nrPages: number; size: number }>();
  /** Per CPU: backing-page frees still expected after a replayed vfree. */
  private readonly vfreePagesDue: number[];
  /** Page allocations waiting up to claimWindow events for what they were for. */
  private readonly pending = new PendingPages();
  // Call sites, by a local index (one per distinct call-site string): the string, its address
  // (NaN until needed), SITE_* class (0 until needed), its cache and the cache name learned.
  private readonly siteByString = new Map<string, number>();
  /** TraceRecord.callSiteId → local index + 1 (0: not seen yet). */
  private siteByParserId = new Int32Array(256);
  private readonly siteStr: string[] = [];
  private readonly siteIpOf: number[] = [];
  private readonly siteClass: number[] = [];
  private readonly siteCache: (ReplayCache | undefined)[] = [];
  private readonly siteName: (string | undefined)[] = [];
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
    if (this.pending.live > 0) this.expirePending(false);
    const ctx = this.k.ctx;
    const cpu = rec.cpu;
    ctx.cpu = cpu >= 0 && cpu < ctx.nrCpus ? cpu : cpu % ctx.nrCpus;
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
    if (this.pending.live > 0) this.claim(rec, rec.bytesAlloc > KMALLOC_MAX_CACHE_SIZE ? "kmalloc_large pages: the model's kmalloc allocates them" : "slab page: the model's SLUB allocates its own");
    const key = rec.ptrLow48;
    if (key === 0) {
      this.count(EV_KMALLOC, silent, OUT_FAILED_IN_TRACE);
      return;
    }
    const site = this.siteIndex(rec);
    if (this.vmallocInternal(site)) {
      this.setObject(key, 0, 0, LIVE_DERIVED, site);
      this.count(EV_KMALLOC, silent, -1, "vmalloc metadata: the model's vmalloc allocates it");
      return;
    }
    const gfp = gfpForMode(rec.gfp, this.mode);
    const st = this.k.ctx.callStack;
    st.push(this.siteIp(site));
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
    this.setObject(key, sim, rec.bytesReq, LIVE_KMALLOC, site);
    this.count(EV_KMALLOC, silent, OUT_REPLAYED);
  }

  private kmemCacheAlloc(rec: TraceRecord, silent: boolean): void {
    if (this.pending.live > 0) this.claim(rec, "slab page: the model's SLUB allocates its own");
    const key = rec.ptrLow48;
    if (key === 0) {
      this.count(EV_KMEM_CACHE_ALLOC, silent, OUT_FAILED_IN_TRACE);
      return;
    }
    const site = this.siteIndex(rec);
    if (this.vmallocInternal(site)) {
      this.setObject(key, 0, 0, LIVE_DERIVED, site);
      this.count(EV_KMEM_CACHE_ALLOC, silent, -1, "vmalloc metadata: the model's vmalloc allocates it");
      return;
    }
    const rc = this.cacheFor(site, rec.bytesReq, rec.bytesAlloc);
    const gfp = gfpForMode(rec.gfp, this.mode);
    const st = this.k.ctx.callStack;
    st.push(this.siteIp(site));
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
    this.setObject(key, sim, rc.objectSize, rc.index, site);
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
    const objects = this.objects;
    const slot = objects.find(key);
    if (slot < 0) {
      this.unplaceable(kind, silent, kind === EV_KFREE ? UNPLACEABLE_KFREE : UNPLACEABLE_KMEM_CACHE_FREE);
      return;
    }
    const cacheIdx = objects.cache[slot];
    const sim = objects.sim[slot];
    const req = objects.req[slot];
    const allocSite = objects.site[slot];
    objects.removeAt(slot);
    if (cacheIdx === LIVE_DERIVED) {
      this.count(kind, silent, -1, "vmalloc metadata freed by the model's vfree/purge");
      return;
    }
    const cache = cacheIdx >= 0 ? this.caches[cacheIdx] : undefined;
    if (kind === EV_KMEM_CACHE_FREE && rec.cacheName !== "" && cache !== undefined) this.learnName(cache, allocSite, rec.cacheName);
    const st = this.k.ctx.callStack;
    st.push(this.siteIp(this.siteIndex(rec)));
    try {
      if (cache !== undefined && kind === EV_KMEM_CACHE_FREE) this.k.slab.kmemCacheFree(cache.kmem, sim);
      else this.k.slab.kfree(sim);
    } finally {
      st.pop();
    }
    this.meter.freedObject(req, cache);
    this.count(kind, silent, OUT_REPLAYED);
  }

  /** Record a live traced object (cache: a ReplayCache index, LIVE_KMALLOC or LIVE_DERIVED). */
  private setObject(key: number, sim: number, req: number, cache: number, site: number): void {
    const objects = this.objects;
    const slot = objects.find(key);
    if (slot >= 0) {
      // The trace handed out an address it never freed in the trace (e.g. kmem_cache_free_bulk,
      // which does not trace): free the model's object so both stay in step.
      this.implicitFrees++;
      const oldCache = objects.cache[slot];
      if (oldCache !== LIVE_DERIVED) {
        const rc = oldCache >= 0 ? this.caches[oldCache] : undefined;
        if (rc !== undefined) this.k.slab.kmemCacheFree(rc.kmem, objects.sim[slot]);
        else this.k.slab.kfree(objects.sim[slot]);
        this.meter.freedObject(objects.req[slot], rc);
      }
      objects.sim[slot] = sim;
      objects.req[slot] = req;
      objects.cache[slot] = cache;
      objects.site[slot] = site;
    } else objects.insert(key, sim, req, cache, site);
    if (cache !== LIVE_DERIVED) this.meter.allocatedObject(req, cache >= 0 ? this.caches[cache] : undefined);
  }

  /** The cache a kmem_cache_alloc call site allocates from. */
  private cacheFor(site: number, req: number, alloc: number): ReplayCache {
    const known = this.siteCache[site];
    if (known !== undefined && known.objectSize === req && known.slotSize === alloc) return known;
    const name = this.siteName[site];
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
    this.siteCache[site] = rc;
    return rc;
  }

  private createCache(name: string | undefined, req: number, alloc: number): ReplayCache {
    const align = slotAlign(req, alloc);
    const kmem = this.k.slab.kmemCacheCreate(name ?? `replay-${req}-${alloc}`, req, align, 0);
    const rc: ReplayCache = { name, index: this.caches.length, objectSize: req, slotSize: alloc, kmem };
    this.caches.push(rc);
    return rc;
  }

  /** A kmem_cache_free named the cache `rc` of an object allocated at call site `site`. */
  private learnName(rc: ReplayCache, site: number, name: string): void {
    if (this.siteName[site] === name) return;
    this.siteName[site] = name;
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
    if (named !== undefined && named.objectSize === rc.objectSize) this.siteCache[site] = named;
    else this.siteCache[site] = undefined;
  }

  /** The local index of the record's call site (found by the parser's id when it has one). */
  private siteIndex(rec: TraceRecord): number {
    const id = rec.callSiteId;
    if (id >= 0 && id < this.siteByParserId.length) {
      const v = this.siteByParserId[id];
      if (v !== 0) return v - 1;
    }
    let site = this.siteByString.get(rec.callSite);
    if (site === undefined) {
      site = this.siteStr.length;
      this.siteByString.set(rec.callSite, site);
      this.siteStr.push(rec.callSite);
      this.siteIpOf.push(NaN);
      this.siteClass.push(0);
      this.siteCache.push(undefined);
      this.siteName.push(undefined);
    }
    if (id >= 0) {
      if (id >= this.siteByParserId.length) {
        const t = new Int32Array(Math.max(id + 1, this.siteByParserId.length * 2));
        t.set(this.siteByParserId);
        this.siteByParserId = t;
      }
      this.siteByParserId[id] = site + 1;
    }
    return site;
  }

  /** The address standing for a call site (registered with the model's kallsyms on first use). */
  private siteIp(site: number): number {
    let ip = this.siteIpOf[site];
    if (ip !== ip) this.siteIpOf[site] = ip = symbolIp(this.k, this.siteStr[site]);
    return ip;
  }

  /** The call site is vmalloc's own metadata allocation. */
  private vmallocInternal(site: number): boolean {
    let c = this.siteClass[site];
    if (c === 0) this.siteClass[site] = c = VMALLOC_INTERNAL_SITES.has(siteFunction(this.siteStr[site])) ? SITE_VMALLOC_INTERNAL : SITE_REPLAYED;
    return c === SITE_VMALLOC_INTERNAL;
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
    this.pending.push(this.events, rec.pfn, order, gfp, this.k.ctx.cpu, rec.pid, rec.hardirq, silent);
  }

  /** A slab object or kmalloc_large block at `rec.ptr`: the pending page it lies in was for it. */
  private claim(rec: TraceRecord, reason: string): void {
    if (rec.ptrLow48 >= LINEAR_END_LOW48 || (rec.ptrHi16 & 0xff) !== 0xff) return;
    const pfn = Math.floor((rec.ptrLow48 + this.physOffset) / PAGE_SIZE);
    const q = this.pending;
    if (!q.mayContain(pfn)) return;
    const start = q.pfn;
    const end = q.end;
    for (let i = q.head; i < q.tail; i++) {
      if (pfn < start[i] || pfn >= end[i] || !q.isLive(i)) continue;
      q.settle(i);
      this.derivedPages.set(start[i], q.order[i]);
      this.count(EV_MM_PAGE_ALLOC, q.silent(i), -1, reason);
      return;
    }
  }

  /** Replay page allocations nobody claimed within the window (all of them when `all`). */
  private expirePending(all: boolean): void {
    const q = this.pending;
    while (q.head < q.tail) {
      const i = q.head;
      if (q.isLive(i)) {
        if (!all && this.events - q.idx[i] <= this.claimWindow) break;
        this.replayPageAlloc(i);
      }
      q.head = i + 1;
    }
    q.advance();
  }

  /** Replay pending page allocation `i` as pages of its own. */
  private replayPageAlloc(i: number): void {
    const q = this.pending;
    q.settle(i);
    const tracedPfn = q.pfn[i];
    const order = q.order[i];
    const silent = q.silent(i);
    const ctx = this.k.ctx;
    const cpu = ctx.cpu;
    const pid = ctx.pid;
    const irq = ctx.inIrq;
    ctx.cpu = q.cpu[i];
    ctx.pid = q.pid[i];
    ctx.inIrq = q.hardirq(i);
    try {
      const old = this.pages.take(tracedPfn);
      if (!Number.isNaN(old)) {
        this.implicitFrees++;
        this.k.pages.freePages(Math.floor(old / 256), old & 15);
      }
      let gfp = q.gfp[i];
      const originIdx = pageOriginIndex(gfp, order);
      const origin = ORIGINS[originIdx];
      if (origin === "pageTable" && this.k.policy.skipPgtables) gfp |= __GFP_SKIP_KASAN;
      const counters = this.k.counters;
      counters.enter(origin);
      let pfn: number;
      try {
        pfn = this.k.pages.allocPages(gfpForMode(gfp >>> 0, this.mode), order);
      } finally {
        counters.leave();
      }
      if (pfn < 0) {
        this.count(EV_MM_PAGE_ALLOC, silent, OUT_FAILED_IN_MODEL);
        return;
      }
      this.pages.set(tracedPfn, pfn * 256 + originIdx * 16 + order);
      this.count(EV_MM_PAGE_ALLOC, silent, OUT_REPLAYED);
    } finally {
      ctx.cpu = cpu;
      ctx.pid = pid;
      ctx.inIrq = irq;
    }
  }

  private pageFree(rec: TraceRecord, silent: boolean): void {
    const kind = rec.kind;
    const pfn = rec.pfn;
    const q = this.pending;
    if (q.mayHavePfn(pfn)) {
      for (let i = q.head; i < q.tail; i++) {
        if (q.pfn[i] === pfn && q.isLive(i)) {
          this.replayPageAlloc(i);
          break;
        }
      }
    }
    if (this.derivedPages.delete(pfn)) {
      this.count(kind, silent, -1, "free of a page the model allocates itself (slab, kmalloc_large, depot, vmalloc)");
      return;
    }
    const v = this.pages.take(pfn);
    if (!Number.isNaN(v)) {
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
  return ORIGINS[pageOriginIndex(gfp, order)];
}

const USER_PAGE_ORIGIN = ORIGINS.indexOf("userPage");
const PAGE_TABLE_ORIGIN = ORIGINS.indexOf("pageTable");
const OTHER_ORIGIN = ORIGINS.indexOf("other");

/** pageOrigin as an index into ORIGINS (what the replayed-page table stores). */
function pageOriginIndex(gfp: number, order: number): number {
  if ((gfp & __GFP_HARDWALL) !== 0) return USER_PAGE_ORIGIN;
  if (order === 0 && ((gfp & ~__GFP_COMP) >>> 0) === PGTABLE_GFP) return PAGE_TABLE_ORIGIN;
  return OTHER_ORIGIN;
}
