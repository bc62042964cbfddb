/**
 * vmalloc (mm/vmalloc.c, Linux 6.12, arm64, 4 KiB pages): vmap areas in the vmalloc range,
 * __vmalloc_node_range with its prot/gfp/KASAN-flag decisions, vfree with lazy unmapping and
 * purging, find_vm_area, vmalloc_to_page.
 *
 * Address space. The kernel image sits at VMALLOC_START on arm64 (KIMAGE_VADDR == MODULES_END
 * == VMALLOC_START without KASLR); KERNEL_IMAGE_VMALLOC_SPAN reserves it. Vmap areas are handed
 * out above it, lowest address first, honouring alignment. In a fresh model the first
 * thread-stack-sized area (20 KiB incl. guard, align 32 KiB) lands at 0xffff800080648000 — the
 * first stack in trace-boot.txt (line 39). The first stack of trace-thread.txt (line 371:
 * 0xffff8000808b8000) is higher only because boot had already placed ~100 areas below it.
 * VMALLOC_END is the end of the modelled region (2^42 bytes above VMALLOC_START), not arm64's
 * 0xfffffdffbf800000.
 *
 * Metadata, as in the kernel (and as the 6.12 trace shows per thread stack):
 *   kzalloc(72) vm_struct @__get_vm_area_node            (kmalloc-96)
 *   kmem_cache_alloc(vmap_area_cachep) @alloc_vmap_area   (the area's vmap_area, 80-byte slot)
 *   kmem_cache_alloc(vmap_area_cachep) @alloc_vmap_area   (preload_this_cpu_lock: the spare
 *       node an NE_FIT split consumes — an aligned stack is cut out of the middle of the free
 *       block, so the spare is used up and re-preloaded on every stack allocation)
 *   kmalloc(8 * nr_pages) pages array @__vmalloc_node_range_noprof (vmalloc'ed if > PAGE_SIZE)
 * With more than one vmap node (nr CPUs > 1), areas purged after lazy freeing are kept in
 * per-node size pools and reused by node_alloc without any vmap_area allocation.
 *
 * Counters: work is attributed to origin "vmalloc" unless the caller already entered another
 * origin (counters.cur !== counters.byOrigin.other), e.g. "threadStack" for fork.
 *
 * Workqueue items (drain_vmap_work when vmap_lazy_nr exceeds lazy_max_pages, and vfree_atomic's
 * free_work) run at the end of the outermost Vmalloc call made in process context, or when the
 * owner calls runPendingWork().
 */
import { formatPx, makePtr, ptrOffset, TAG_KERNEL, VMALLOC_BASE, VMALLOC_SIZE, type Ptr } from "../../arch/pointer.js";
import type { KasanMode } from "../../config/mode.js";
import type { Counters } from "../../cost/counters.js";
import type { ExecContext } from "../../lib/context.js";
import { KASAN_VMALLOC_INIT, KASAN_VMALLOC_NONE, KASAN_VMALLOC_PROT_NORMAL, KASAN_VMALLOC_VM_ALLOC } from "../kasan-hooks.js";
import { PAGE_SIZE } from "../memory-layout.js";
import { alignUp, FreeVmapAreaList } from "./free-vmap-area.js";
import {
  __GFP_FS,
  __GFP_HIGH,
  __GFP_HIGHMEM,
  __GFP_IO,
  __GFP_MEMALLOC,
  __GFP_NOFAIL,
  __GFP_NOMEMALLOC,
  __GFP_NORETRY,
  __GFP_NOWARN,
  __GFP_RECLAIM,
  __GFP_RETRY_MAYFAIL,
  __GFP_SKIP_KASAN,
  __GFP_SKIP_ZERO,
  __GFP_ZERO,
  formatGfp,
  gfpFor,
  gfpForMode,
  gfpflagsAllowBlocking,
  GFP_ATOMIC,
  GFP_DMA,
  GFP_DMA32,
  GFP_KERNEL,
  GFP_KERNEL_ACCOUNT,
  GFP_NOFS,
  GFP_NOIO,
  GFP_NOWAIT,
  GFP_USER,
} from "../gfp.js";
import { BusyVmapAreas } from "./busy-vmap-areas.js";
import type { VmallocKasanHooks, VmallocPageAllocator, VmallocSlab } from "./interfaces.js";
import { VM_ALLOC, VM_NO_GUARD, VM_UNINITIALIZED, NUMA_NO_NODE } from "./vm-flags.js";
import type { VmallocTraceEvent } from "./vmalloc-trace.js";

export const VMALLOC_START = VMALLOC_BASE;
export const VMALLOC_END = VMALLOC_BASE + VMALLOC_SIZE;
/**
 * Bytes at VMALLOC_START taken by the kernel image and its early vm areas: up to
 * 0xffff800080641000, the lowest address the 6.12 trace kernel ever handed out (trace-boot.txt
 * line 52586, an 8 KiB align-1 area). With this span the first 32 KiB-aligned stack lands at
 * 0xffff800080648000 as in the trace.
 */
export const KERNEL_IMAGE_VMALLOC_SPAN = 0x641000;
/** sizeof(struct vm_struct) on arm64 6.12 (kmalloc-96 in the trace). */
export const VM_STRUCT_SIZE = 72;
/** sizeof(struct vmap_area) (vmap_area cache, 80-byte slots in the trace). */
export const VMAP_AREA_SIZE = 72;
/** Per-node pools hold purged areas of up to this many pages (index = pages − 1). */
export const MAX_VA_SIZE_PAGES = 256;
/** vmap_zone_size with more than one vmap node: 16 pages per address stripe. */
export const VMAP_ZONE_SIZE = 16 * PAGE_SIZE;
/** sizeof(struct page *). */
const PAGE_POINTER_SIZE = 8;

/** __GFP_NOLOCKDEP is 0 without CONFIG_LOCKDEP, the build src/mm/gfp.ts's constants describe. */
const __GFP_NOLOCKDEP = 0;

/** mm/internal.h GFP_RECLAIM_MASK: the only bits vmalloc passes to its metadata allocations. */
export const GFP_RECLAIM_MASK =
  __GFP_RECLAIM |
  __GFP_HIGH |
  __GFP_IO |
  __GFP_FS |
  __GFP_NOWARN |
  __GFP_RETRY_MAYFAIL |
  __GFP_NOFAIL |
  __GFP_NORETRY |
  __GFP_MEMALLOC |
  __GFP_NOMEMALLOC |
  __GFP_NOLOCKDEP;

/**
 * GFP_VMALLOC_SUPPORTED from "mm/vmalloc: warn on invalid vmalloc gfp flags" (2025, after 6.12;
 * the list as in the tree the seed patches apply to, with __GFP_RETRY_MAYFAIL). Seed 002's
 * version ("v2") adds __GFP_SKIP_KASAN.
 */
export const GFP_VMALLOC_SUPPORTED =
  GFP_KERNEL |
  GFP_ATOMIC |
  GFP_NOWAIT |
  __GFP_NOFAIL |
  __GFP_ZERO |
  __GFP_NORETRY |
  __GFP_RETRY_MAYFAIL |
  GFP_NOFS |
  GFP_NOIO |
  GFP_KERNEL_ACCOUNT |
  GFP_USER |
  __GFP_NOLOCKDEP;

export type VmallocProt = "PAGE_KERNEL" | "PAGE_KERNEL_EXEC";
/** The protection the area is mapped with: PAGE_KERNEL_TAGGED is arch_vmap_pgprot_tagged (MT_NORMAL_TAGGED). */
export type MappedProt = VmallocProt | "PAGE_KERNEL_TAGGED";

/**
 * How __vmalloc_node_range treats a caller's __GFP_SKIP_KASAN (the seed patches):
 *  - "none": Linux 6.12 as is (the flag is not looked at; HW tags add it for the backing pages).
 *  - "v1": the series version Ryan Roberts reviewed (seed 002, quoted patch): the caller's flag
 *    stays in the mask handed to __get_vm_area_node / __vmalloc_area_node, no tagged prot, no
 *    __GFP_SKIP_ZERO, and KASAN_VMALLOC_PROT_NORMAL is withheld so kasan_unpoison_vmalloc
 *    returns early. Note: those functions mask their slab allocations with GFP_RECLAIM_MASK,
 *    so in 6.12 the flag still reaches only the backing pages, not the vm_struct, vmap_area or
 *    pages array. GFP_VMALLOC_SUPPORTED is not extended (the v2 changelog adds it).
 *  - "v2": Ryan Roberts' rework (seed 002): the flag is stripped on entry (metadata never sees
 *    it), given back to the backing pages only, and kasan_unpoison_vmalloc is not called;
 *    GFP_VMALLOC_SUPPORTED includes __GFP_SKIP_KASAN.
 * In kernels without HW_TAGS __GFP_SKIP_KASAN is 0, so both seeds change nothing there.
 */
export type SkipKasanHandling = "none" | "v1" | "v2";
const SKIP_KASAN_HANDLINGS: readonly SkipKasanHandling[] = ["none", "v1", "v2"];

/** struct vm_struct as callers see it. */
export interface VmStruct {
  /** The start pointer as returned to the caller (tagged by kasan_unpoison_vmalloc if it tagged). */
  readonly addr: Ptr;
  /** Bytes of the vmap area, guard page included. */
  readonly size: number;
  readonly nrPages: number;
  /** Backing pages (pfns), in address order. */
  readonly pages: readonly number[];
  readonly caller: string;
  /** VM_* flags. */
  readonly flags: number;
  readonly prot: MappedProt;
}

class VmArea implements VmStruct {
  addr: Ptr = 0;
  size = 0;
  nrPages = 0;
  pages: number[] = [];
  prot: MappedProt = "PAGE_KERNEL";
  /** Slab pointer of the pages array, and whether it came from vmalloc itself. */
  pagesArray: Ptr = 0;
  pagesArrayVmalloced = false;

  constructor(
    /** Slab pointer of the kzalloc'ed struct vm_struct. */
    readonly obj: Ptr,
    public flags: number,
    readonly caller: string,
  ) {}
}

/** struct vmap_area: one per busy, lazily freed or pooled area. */
class VmapArea {
  vaStart = 0;
  vaEnd = 0;
  /** Low byte: VMAP_* type flags (none used here); above it the encoded vmap node id. */
  flags = 0;
  vm: VmArea | null = null;

  constructor(
    /** Slab pointer of this object in vmap_area_cachep. */
    readonly obj: Ptr,
  ) {}
}

/** struct vmap_node: size pools of purged areas and the lazily freed areas awaiting a purge. */
class VmapNode {
  readonly pools: (VmapArea[] | undefined)[] = new Array<VmapArea[] | undefined>(MAX_VA_SIZE_PAGES);
  lazy: VmapArea[] = [];
  skipPopulate = false;
}

export interface VmallocOptions<Cache = unknown> {
  pages: VmallocPageAllocator;
  slab: VmallocSlab<Cache>;
  hooks: VmallocKasanHooks;
  counters: Counters;
  ctx: ExecContext;
  mode: KasanMode;
  /** init_on_alloc boot state. */
  initOnAlloc: boolean;
  /** init_on_free boot state. */
  initOnFree: boolean;
  skipKasanHandling?: SkipKasanHandling;
  /** Sink for kernel warnings (WARN, warn_alloc, pr_warn). Default: discard. */
  warn?: (msg: string) => void;
  /**
   * Apply the GFP_VMALLOC_SUPPORTED check in __vmalloc (vmalloc_fix_flags: warn and mask).
   * Default false: Linux 6.12 has no such check.
   */
  gfpVmallocSupportedCheck?: boolean;
  /** Tracepoint listener (alloc_vmap_area, free_vmap_area_noflush, purge_vmap_area_lazy). */
  trace?: (ev: VmallocTraceEvent) => void;
}

function fls(x: number): number {
  return 32 - Math.clz32(x);
}

function hexOrZero(v: number): string {
  return v === 0 ? "0" : "0x" + v.toString(16);
}

export class Vmalloc<Cache = unknown> {
  private readonly pages: VmallocPageAllocator;
  private readonly slab: VmallocSlab<Cache>;
  private readonly hooks: VmallocKasanHooks;
  private readonly counters: Counters;
  private readonly ctx: ExecContext;
  readonly mode: KasanMode;
  private readonly initOnAlloc: boolean;
  private readonly initOnFree: boolean;
  readonly skipKasanHandling: SkipKasanHandling;
  private readonly warnSink: (msg: string) => void;
  private readonly gfpCheck: boolean;
  private readonly trace: ((ev: VmallocTraceEvent) => void) | undefined;

  /** vmap_area_cachep. */
  readonly vmapAreaCache: Cache;
  private readonly free: FreeVmapAreaList;
  /** Busy areas (all vmap nodes' busy trees as one address-sorted index). */
  private readonly busy = new BusyVmapAreas<VmapArea>();
  /** The busy area taggedPfnAt found last (forgotten when it leaves the busy tree). */
  private lastTaggedVa: VmapArea | undefined = undefined;
  private readonly nodes: VmapNode[];
  /** Per-CPU ne_fit_preload_node (slab pointer, 0 = empty). */
  private readonly preloadNode: Float64Array;
  /** Per-CPU vfree_deferred lists (pointers, in llist_add order). */
  private readonly deferred: Ptr[][];
  /** vmap_lazy_nr: pages of lazily freed areas not yet purged. */
  vmapLazyNr = 0;
  /** nr_vmalloc_pages. */
  nrVmallocPages = 0;
  private drainPending = false;
  private depth = 0;
  private runningWork = false;

  constructor(opts: VmallocOptions<Cache>) {
    if (opts === null || typeof opts !== "object") throw new Error("Vmalloc: opts must be an object");
    for (const k of ["pages", "slab", "hooks", "counters", "ctx"] as const) {
      if (opts[k] === undefined || opts[k] === null) throw new Error(`Vmalloc: opts.${k} is required`);
    }
    if (typeof opts.initOnAlloc !== "boolean") throw new Error("Vmalloc: opts.initOnAlloc must be a boolean");
    if (typeof opts.initOnFree !== "boolean") throw new Error("Vmalloc: opts.initOnFree must be a boolean");
    const policy = opts.skipKasanHandling ?? "none";
    if (!SKIP_KASAN_HANDLINGS.includes(policy)) {
      throw new Error(`Vmalloc: opts.skipKasanHandling must be "none", "v1" or "v2", got ${String(policy)}`);
    }
    this.pages = opts.pages;
    this.slab = opts.slab;
    this.hooks = opts.hooks;
    this.counters = opts.counters;
    this.ctx = opts.ctx;
    this.mode = opts.mode;
    this.initOnAlloc = opts.initOnAlloc;
    this.initOnFree = opts.initOnFree;
    this.skipKasanHandling = policy;
    this.warnSink = opts.warn ?? (() => {});
    this.gfpCheck = opts.gfpVmallocSupportedCheck ?? false;
    this.trace = opts.trace;

    // vmalloc_init: KMEM_CACHE(vmap_area, SLAB_PANIC) (SLAB_PANIC only changes failure handling).
    this.vmapAreaCache = this.slab.kmemCacheCreate("vmap_area", VMAP_AREA_SIZE, 8, 0);
    this.free = new FreeVmapAreaList((obj) => this.slab.kmemCacheFree(this.vmapAreaCache, obj, "alloc_vmap_area"));
    // vmap_init_nodes: one node per possible CPU (up to 128) when there is more than one.
    const nrNodes = Math.min(Math.max(this.ctx.nrCpus, 1), 128);
    this.nodes = Array.from({ length: nrNodes }, () => new VmapNode());
    this.preloadNode = new Float64Array(this.ctx.nrCpus);
    this.deferred = Array.from({ length: this.ctx.nrCpus }, () => []);
    // vmap_init_free_space: the free block above the kernel image.
    const obj = this.slab.kmemCacheAlloc(this.vmapAreaCache, GFP_NOWAIT, "vmap_init_free_space");
    if (obj === 0) throw new Error("Vmalloc: could not allocate the initial free vmap_area");
    this.free.mergeOrAdd(VMALLOC_START + KERNEL_IMAGE_VMALLOC_SPAN, VMALLOC_END, obj);
  }

  // ---------------------------------------------------------------- public API

  /** lazy_max_pages(): fls(num_online_cpus()) × 32 MiB worth of pages. */
  get lazyMaxPages(): number {
    return fls(this.ctx.nrCpus) * ((32 * 1024 * 1024) / PAGE_SIZE);
  }

  /** nr_vmap_nodes. */
  get nrVmapNodes(): number {
    return this.nodes.length;
  }

  /** Number of free blocks in the free vmap space (for tests and benches). */
  get freeBlockCount(): number {
    return this.free.count;
  }

  /** Areas held in the vmap nodes' size pools and lazy lists (workloads compare it across iterations). */
  poolStats(): { pooled: number; lazy: number; preloaded: number } {
    let pooled = 0;
    let lazy = 0;
    for (const vn of this.nodes) {
      lazy += vn.lazy.length;
      for (const pool of vn.pools) if (pool !== undefined) pooled += pool.length;
    }
    let preloaded = 0;
    for (let i = 0; i < this.preloadNode.length; i++) if (this.preloadNode[i] !== 0) preloaded++;
    return { pooled, lazy, preloaded };
  }

  /** Number of busy vmap areas. */
  get busyCount(): number {
    return this.busy.n;
  }

  /**
   * __vmalloc_node_range_noprof(size, align, VMALLOC_START, VMALLOC_END, gfp, prot, vm_flags,
   * node, caller). Returns the start pointer (tagged when KASAN tagged it), 0 on failure.
   */
  vmallocNodeRange(size: number, align: number, gfp: number, prot: VmallocProt, vmFlags: number, node: number, caller: string): Ptr {
    checkSize("vmallocNodeRange", size);
    checkAlign("vmallocNodeRange", align);
    checkGfp("vmallocNodeRange", gfp);
    if (prot !== "PAGE_KERNEL" && prot !== "PAGE_KERNEL_EXEC") {
      throw new Error(`vmallocNodeRange: prot must be "PAGE_KERNEL" or "PAGE_KERNEL_EXEC", got ${String(prot)}`);
    }
    if (!Number.isInteger(vmFlags) || vmFlags < 0) throw new Error(`vmallocNodeRange: vmFlags must be a non-negative integer, got ${vmFlags}`);
    checkNode("vmallocNodeRange", node);
    if (typeof caller !== "string") throw new Error("vmallocNodeRange: caller must be a string");
    return this.outer(() => this.nodeRange(size, align, this.hwOnlyBits(gfp), prot, vmFlags, node, caller));
  }

  /** __vmalloc_node(size, align, gfp, node, caller): PAGE_KERNEL over the whole vmalloc range. */
  vmallocNode(size: number, align: number, gfp: number, node: number, caller: string): Ptr {
    return this.vmallocNodeRange(size, align, gfp, "PAGE_KERNEL", 0, node, caller);
  }

  /** vmalloc(size): GFP_KERNEL, align 1. */
  vmalloc(size: number, caller = "vmalloc"): Ptr {
    return this.vmallocNode(size, 1, GFP_KERNEL, NUMA_NO_NODE, caller);
  }

  /** vzalloc(size): GFP_KERNEL | __GFP_ZERO. */
  vzalloc(size: number, caller = "vzalloc"): Ptr {
    return this.vmallocNode(size, 1, GFP_KERNEL | __GFP_ZERO, NUMA_NO_NODE, caller);
  }

  /** __vmalloc(size, gfp), with the GFP_VMALLOC_SUPPORTED fix-up when enabled. */
  __vmalloc(size: number, gfp: number, caller = "__vmalloc"): Ptr {
    checkGfp("__vmalloc", gfp);
    let mask = this.hwOnlyBits(gfp);
    if (this.gfpCheck) {
      const supported = GFP_VMALLOC_SUPPORTED | (this.skipKasanHandling === "v2" ? __GFP_SKIP_KASAN : 0);
      if ((mask & ~supported) !== 0) mask = this.vmallocFixFlags(mask, supported);
    }
    return this.vmallocNode(size, 1, mask, NUMA_NO_NODE, caller);
  }

  /** vfree(ptr): in IRQ context it defers like vfree_atomic. NULL (0) is a no-op. */
  vfree(ptr: Ptr): void {
    if (this.ctx.inIrq) {
      this.vfreeAtomic(ptr);
      return;
    }
    if (ptr === 0) return;
    this.outer(() => {
      this.vfreeNow(ptr);
      return 0;
    });
  }

  /** vfree_atomic(ptr): queue on this CPU's vfree_deferred list; free_work does the vfree. */
  vfreeAtomic(ptr: Ptr): void {
    if (ptr === 0) return;
    this.deferred[this.ctx.cpu].push(ptr);
    if (!this.ctx.inIrq && this.depth === 0) this.outer(() => 0);
  }

  /**
   * vmap(pages, count, flags, PAGE_KERNEL): map existing pages (they stay the caller's).
   * __get_vm_area_node() unpoisons non-VM_ALLOC areas itself, with KASAN_VMALLOC_PROT_NORMAL.
   * vm_map_ram() is modelled with the same path (the kernel's per-CPU vmap blocks are not).
   */
  vmap(pfns: readonly number[], vmFlags: number, caller = "vmap"): Ptr {
    if (pfns.length === 0) return 0;
    const size = pfns.length * PAGE_SIZE;
    return this.outer(() => {
      const area = this.getVmAreaNode(size, 1, vmFlags & ~VM_ALLOC, NUMA_NO_NODE, GFP_KERNEL, caller);
      if (area === null) return 0;
      area.pages = pfns.slice();
      area.nrPages = pfns.length;
      area.addr = this.hooks.unpoisonVmalloc(area.addr, size, KASAN_VMALLOC_PROT_NORMAL, area.pages);
      return area.addr;
    });
  }

  /** vunmap(addr): remove the mapping made by vmap(); the pages are not freed. */
  vunmap(ptr: Ptr): void {
    if (ptr === 0) return;
    this.outer(() => {
      const vm = this.removeVmArea(ptr);
      if (vm === null) this.warnSink(`Trying to vunmap() nonexistent vm area (${formatPx(ptr)})`);
      else this.slab.kfree(vm.obj, "vunmap");
      return 0;
    });
  }

  /** find_vm_area(addr): the vm_struct of the busy area containing addr (tag ignored). */
  findVmArea(ptr: Ptr): VmStruct | undefined {
    return this.busy.containing(ptrOffset(ptr))?.vm ?? undefined;
  }

  /** vmalloc_to_page(addr): the pfn mapped at addr, or -1 (guard page, unmapped, not vmalloc). */
  vmallocToPage(ptr: Ptr): number {
    const off = ptrOffset(ptr);
    const va = this.busy.containing(off);
    if (va === undefined) return -1;
    const vm = va.vm;
    if (vm === null) return -1;
    const idx = Math.floor((off - va.vaStart) / PAGE_SIZE);
    return idx < vm.nrPages ? vm.pages[idx] : -1;
  }

  /**
   * The pfn mapped Normal-Tagged (PAGE_KERNEL_TAGGED) at vmalloc offset `off`, or -1: MTE's
   * page-table walk, findVmArea and vmallocToPage in one busy-tree lookup.
   */
  taggedPfnAt(off: number): number {
    // Tagging an area walks it page by page: the area of the previous page usually holds this one.
    let va = this.lastTaggedVa;
    if (va === undefined || off < va.vaStart || off >= va.vaEnd) {
      va = this.busy.containing(off);
      if (va === undefined) return -1;
      this.lastTaggedVa = va;
    }
    const vm = va.vm;
    if (vm === null || vm.prot !== "PAGE_KERNEL_TAGGED") return -1;
    const idx = Math.floor((off - va.vaStart) / PAGE_SIZE);
    return idx < vm.nrPages ? vm.pages[idx] : -1;
  }

  /** is_vmalloc_addr(addr): the untagged address lies in [VMALLOC_START, VMALLOC_END). */
  isVmallocAddr(ptr: Ptr): boolean {
    const off = ptrOffset(ptr);
    return off >= VMALLOC_START && off < VMALLOC_END;
  }

  /**
   * purge_vmap_area_lazy as of 6.12 (reclaim_and_purge_vmap_areas): purge every lazily freed
   * area with a full pool decay (pools are emptied into the free space and not refilled).
   */
  purgeLazy(): void {
    this.outer(() => {
      this.purgeVmapAreaLazy(true);
      return 0;
    });
  }

  /** Run queued workqueue items: vfree_atomic's free_work on every CPU, then drain_vmap_work. */
  runPendingWork(): void {
    this.outer(() => 0);
  }

  // ---------------------------------------------------------------- entry/exit bookkeeping

  private outer(fn: () => Ptr): Ptr {
    const c = this.counters;
    const entered = c.cur === c.byOrigin.other;
    if (entered) c.enter("vmalloc");
    this.depth++;
    try {
      const r = fn();
      if (this.depth === 1 && !this.ctx.inIrq) this.doPendingWork();
      return r;
    } finally {
      this.depth--;
      if (entered) c.leave();
    }
  }

  private doPendingWork(): void {
    if (this.runningWork) return;
    this.runningWork = true;
    try {
      for (;;) {
        let did = false;
        for (const list of this.deferred) {
          if (list.length === 0) continue;
          // llist_del_all hands the entries back newest first.
          const batch = list.splice(0, list.length).reverse();
          for (const p of batch) this.vfreeNow(p);
          did = true;
        }
        if (this.drainPending) {
          this.drainPending = false;
          this.purgeVmapAreaLazy(false);
          did = true;
        }
        if (!did) break;
      }
    } finally {
      this.runningWork = false;
    }
  }

  /** Kernels without HW_TAGS define __GFP_SKIP_KASAN and __GFP_SKIP_ZERO as 0. */
  private hwOnlyBits(gfp: number): number {
    return gfpForMode(gfp, this.mode);
  }

  private vmallocFixFlags(gfp: number, supported: number): number {
    const invalid = gfp & ~supported;
    const fixed = gfp & supported;
    const pGg = (v: number): string => (v === 0 ? "" : formatGfp(v, gfpFor(this.mode)));
    this.warnSink(
      `Unexpected gfp: ${hexOrZero(invalid)} (${pGg(invalid)}). Fixing up to gfp: ${hexOrZero(fixed)} (${pGg(fixed)}). Fix your code!`,
    );
    return fixed;
  }

  private warnAlloc(gfp: number, msg: string): void {
    if ((gfp & __GFP_NOWARN) !== 0) return;
    this.warnSink(`${this.ctx.comm}: ${msg}, mode:${hexOrZero(gfp)}(${formatGfp(gfp, gfpFor(this.mode))}), nodemask=(null)`);
  }

  // ---------------------------------------------------------------- allocation

  /** __vmalloc_node_range_noprof. */
  private nodeRange(size: number, align: number, gfp: number, prot: VmallocProt, vmFlags: number, node: number, caller: string): Ptr {
    if (size === 0) {
      this.warnSink("WARNING: __vmalloc_node_range_noprof: WARN_ON_ONCE(!size)");
      return 0;
    }
    const policy = this.skipKasanHandling;
    let gfpMask = gfp;
    let kasanFlags = KASAN_VMALLOC_NONE;
    // Seeds: did the caller ask for no KASAN unpoisoning (a 0 bit outside HW_TAGS builds)?
    const skipKasan = policy !== "none" && (gfpMask & __GFP_SKIP_KASAN) !== 0;
    if (policy === "v2") gfpMask &= ~__GFP_SKIP_KASAN;

    const area = this.getVmAreaNode(size, align, VM_ALLOC | VM_UNINITIALIZED | vmFlags, node, gfpMask, caller);
    if (area === null) {
      this.warnAlloc(gfpMask, `vmalloc error: size ${size}, vm_struct allocation failed`);
      return 0;
    }

    let mapped: MappedProt = prot;
    if (prot === "PAGE_KERNEL") {
      if (this.hooks.hwTagsEnabled && !skipKasan) {
        // Map Normal-Tagged; the page allocator neither tags nor zeroes the backing pages,
        // kasan_unpoison_vmalloc does both in one pass.
        mapped = "PAGE_KERNEL_TAGGED";
        gfpMask |= __GFP_SKIP_KASAN | __GFP_SKIP_ZERO;
      } else if (policy === "v2" && skipKasan) {
        gfpMask |= __GFP_SKIP_KASAN;
      }
      if (!(policy === "v1" && skipKasan)) kasanFlags |= KASAN_VMALLOC_PROT_NORMAL;
    }
    area.prot = mapped;

    if (!this.vmallocAreaNode(area, gfpMask, node)) return 0;

    kasanFlags |= KASAN_VMALLOC_VM_ALLOC;
    // Complements post_alloc_hook: whoever skipped zeroing in page_alloc zeroes here.
    const wantInitOnAlloc = this.initOnAlloc || (gfpMask & __GFP_ZERO) !== 0;
    if (!this.initOnFree && wantInitOnAlloc && (gfpMask & __GFP_SKIP_ZERO) !== 0) kasanFlags |= KASAN_VMALLOC_INIT;
    if (!(policy === "v2" && skipKasan)) {
      area.addr = this.hooks.unpoisonVmalloc(area.addr, size, kasanFlags, area.pages);
    }
    area.flags &= ~VM_UNINITIALIZED;
    this.counters.cur.vmallocs++;
    return area.addr;
  }

  /** __get_vm_area_node over [VMALLOC_START, VMALLOC_END) with PAGE_SHIFT granularity. */
  private getVmAreaNode(size: number, align: number, flags: number, node: number, gfp: number, caller: string): VmArea | null {
    let areaSize = alignUp(size, PAGE_SIZE);
    const obj = this.slab.kmalloc(VM_STRUCT_SIZE, (gfp & GFP_RECLAIM_MASK) | __GFP_ZERO, "__get_vm_area_node");
    if (obj === 0) return null;
    if ((flags & VM_NO_GUARD) === 0) areaSize += PAGE_SIZE;
    const area = new VmArea(obj, flags, caller);
    const va = this.allocVmapArea(areaSize, align, VMALLOC_START, VMALLOC_END, node, gfp, 0, area);
    if (va === null) {
      this.slab.kfree(obj, "__get_vm_area_node");
      return null;
    }
    return area;
  }

  /** alloc_vmap_area. */
  private allocVmapArea(
    size: number,
    align: number,
    vstart: number,
    vend: number,
    _node: number,
    gfpIn: number,
    vaFlags: number,
    vm: VmArea | null,
  ): VmapArea | null {
    const gfp = gfpIn & GFP_RECLAIM_MASK;
    const allowBlock = gfpflagsAllowBlocking(gfp);
    // node_alloc: a ready-made area of exactly this size from this CPU's node pool.
    let vnIdEnc = 0;
    let va: VmapArea | null = null;
    if (vstart === VMALLOC_START && vend === VMALLOC_END && this.nodes.length > 1) {
      const id = this.ctx.cpu % this.nodes.length;
      vnIdEnc = (id + 1) << 8;
      va = this.nodePoolDelVa(this.nodes[id], size, align, vstart, vend);
    }
    let addr = va !== null ? va.vaStart : -22;
    if (va === null) {
      const obj = this.slab.kmemCacheAlloc(this.vmapAreaCache, gfp, "alloc_vmap_area");
      if (obj === 0) return null;
      va = new VmapArea(obj);
    }
    let purged = false;
    for (;;) {
      if (addr < 0) {
        this.preloadThisCpu(gfp);
        addr = this.free.alloc(size, align, vstart, vend, () => this.takeSplitNode());
      }
      this.trace?.({ event: "alloc_vmap_area", addr, size, align, vstart, vend, failed: addr < 0 });
      if (addr >= 0) break;
      if (allowBlock && !purged) {
        this.purgeVmapAreaLazy(true);
        purged = true;
        continue;
      }
      if (allowBlock && (gfp & __GFP_NOWARN) === 0) {
        this.warnSink(
          `vmalloc_node_range for size ${size} failed: Address range restricted to ` +
            `0x${formatPx(makePtr(TAG_KERNEL, vstart))} - 0x${formatPx(makePtr(TAG_KERNEL, vend))}`,
        );
      }
      this.slab.kmemCacheFree(this.vmapAreaCache, va.obj, "alloc_vmap_area");
      return null;
    }
    va.vaStart = addr;
    va.vaEnd = addr + size;
    va.flags = vaFlags | vnIdEnc;
    va.vm = vm;
    if (vm !== null) {
      vm.addr = makePtr(TAG_KERNEL, addr);
      vm.size = size;
    }
    this.busy.insert(addr, addr + size, va);
    this.counters.cur.vmapAreaAllocs++;
    this.hooks.populateVmalloc(makePtr(TAG_KERNEL, addr), size);
    return va;
  }

  /** preload_this_cpu_lock: make sure this CPU holds a spare vmap_area for an NE_FIT split. */
  private preloadThisCpu(gfp: number): void {
    const cpu = this.ctx.cpu;
    if (this.preloadNode[cpu] !== 0) return;
    const obj = this.slab.kmemCacheAlloc(this.vmapAreaCache, gfp, "alloc_vmap_area");
    if (obj !== 0) this.preloadNode[cpu] = obj;
  }

  /** va_clip's NE_FIT node: the preloaded one, else a GFP_NOWAIT allocation. */
  private takeSplitNode(): Ptr {
    const cpu = this.ctx.cpu;
    const p = this.preloadNode[cpu];
    if (p !== 0) {
      this.preloadNode[cpu] = 0;
      return p;
    }
    return this.slab.kmemCacheAlloc(this.vmapAreaCache, GFP_NOWAIT, "alloc_vmap_area");
  }

  /** __vmalloc_area_node: the pages array, the backing pages, the mapping. */
  private vmallocAreaNode(area: VmArea, gfpIn: number, node: number): boolean {
    let gfp = gfpIn;
    const nestedGfp = (gfp & GFP_RECLAIM_MASK) | __GFP_ZERO;
    const size = getVmAreaSize(area);
    const nrSmallPages = size / PAGE_SIZE;
    const arraySize = nrSmallPages * PAGE_POINTER_SIZE;
    if ((gfp & (GFP_DMA | GFP_DMA32)) === 0) gfp |= __GFP_HIGHMEM;

    let arr: Ptr;
    if (arraySize > PAGE_SIZE) {
      arr = this.nodeRange(arraySize, 1, nestedGfp, "PAGE_KERNEL", 0, node, area.caller);
      area.pagesArrayVmalloced = true;
    } else {
      arr = this.slab.kmalloc(arraySize, nestedGfp, "__vmalloc_node_range_noprof");
    }
    if (arr === 0) {
      this.warnAlloc(gfp, `vmalloc error: size ${nrSmallPages * PAGE_SIZE}, failed to allocated page array size ${arraySize}`);
      this.freeVmArea(area);
      return false;
    }
    area.pagesArray = arr;

    // vm_area_alloc_pages: the bulk allocator (no __GFP_NOFAIL) first, then page by page.
    const bulkGfp = (gfp | __GFP_NOWARN) & ~__GFP_NOFAIL;
    const singleGfp = gfp | __GFP_NOWARN;
    let bulk = true;
    const pages = area.pages;
    while (pages.length < nrSmallPages) {
      const pfn = this.pages.allocPages(bulk ? bulkGfp : singleGfp, 0);
      if (pfn < 0) {
        if (bulk) {
          bulk = false;
          continue;
        }
        break;
      }
      pages.push(pfn);
    }
    area.nrPages = pages.length;
    this.nrVmallocPages += area.nrPages;
    if (area.nrPages !== nrSmallPages) {
      this.warnAlloc(gfp, `vmalloc error: size ${area.nrPages * PAGE_SIZE}, failed to allocate pages`);
      this.vfreeNow(area.addr);
      return false;
    }
    // vmap_pages_range: kernel page tables for the mapping are not modelled.
    return true;
  }

  // ---------------------------------------------------------------- free

  /** vfree's body in process context. */
  private vfreeNow(ptr: Ptr): void {
    const vm = this.removeVmArea(ptr);
    if (vm === null) {
      this.warnSink(`Trying to vfree() nonexistent vm area (${formatPx(ptr)})`);
      return;
    }
    const pages = vm.pages;
    for (let i = 0; i < vm.nrPages; i++) this.pages.freePages(pages[i], 0);
    this.nrVmallocPages -= vm.nrPages;
    if (vm.pagesArray !== 0) {
      if (vm.pagesArrayVmalloced) this.vfreeNow(vm.pagesArray);
      else this.slab.kfree(vm.pagesArray, "kvfree");
    }
    this.slab.kfree(vm.obj, "vfree");
    this.counters.cur.vfrees++;
  }

  /** free_vm_area: used when the pages array could not be allocated. */
  private freeVmArea(area: VmArea): void {
    this.removeVmArea(area.addr);
    this.slab.kfree(area.obj, "free_vm_area");
  }

  /** remove_vm_area: unlink, poison (software modes), unmap and lazily free the vmap area. */
  private removeVmArea(ptr: Ptr): VmArea | null {
    const off = ptrOffset(ptr);
    if (off % PAGE_SIZE !== 0) {
      this.warnSink(`Trying to vfree() bad address (${formatPx(ptr)})`);
      return null;
    }
    const va = this.busy.removeContaining(off);
    if (va === undefined) return null;
    if (va === this.lastTaggedVa) this.lastTaggedVa = undefined;
    const vm = va.vm;
    if (vm === null) return null;
    this.hooks.poisonVmalloc(vm.addr, getVmAreaSize(vm));
    this.freeVmapAreaNoflush(va);
    return vm;
  }

  /** free_vmap_area_noflush: onto the node's lazy list; schedule a drain past lazy_max_pages. */
  private freeVmapAreaNoflush(va: VmapArea): void {
    const max = this.lazyMaxPages;
    this.vmapLazyNr += (va.vaEnd - va.vaStart) / PAGE_SIZE;
    const id = (va.flags >>> 8) - 1;
    const vn = id >= 0 && id < this.nodes.length ? this.nodes[id] : this.nodes[this.addrToNodeId(va.vaStart)];
    vn.lazy.push(va);
    this.trace?.({ event: "free_vmap_area_noflush", vaStart: va.vaStart, nrLazy: this.vmapLazyNr, nrLazyMax: max });
    if (this.vmapLazyNr > max) this.drainPending = true;
  }

  private addrToNodeId(addr: number): number {
    return this.nodes.length === 1 ? 0 : Math.floor(addr / VMAP_ZONE_SIZE) % this.nodes.length;
  }

  // ---------------------------------------------------------------- purge and pools

  /** __purge_vmap_area_lazy(ULONG_MAX, 0, fullPoolDecay). */
  private purgeVmapAreaLazy(fullPoolDecay: boolean): boolean {
    let start = Infinity;
    let end = -Infinity;
    const purgeLists: (VmapArea[] | null)[] = [];
    for (const vn of this.nodes) {
      vn.skipPopulate = fullPoolDecay;
      this.decayVaPoolNode(vn, fullPoolDecay);
      if (vn.lazy.length === 0) {
        purgeLists.push(null);
        continue;
      }
      const list = vn.lazy.sort((a, b) => a.vaStart - b.vaStart);
      vn.lazy = [];
      if (list[0].vaStart < start) start = list[0].vaStart;
      if (list[list.length - 1].vaEnd > end) end = list[list.length - 1].vaEnd;
      purgeLists.push(list);
    }
    let nrPurged = 0;
    if (start !== Infinity) {
      this.counters.cur.tlbFlushes++; // flush_tlb_kernel_range(start, end)
      for (let i = 0; i < this.nodes.length; i++) {
        const list = purgeLists[i];
        if (list !== null) nrPurged += this.purgeVmapNode(this.nodes[i], list);
      }
    }
    this.counters.cur.vmapPurges++;
    this.trace?.({
      event: "purge_vmap_area_lazy",
      start: start === Infinity ? -1 : start,
      end: start === Infinity ? -1 : end,
      npurged: nrPurged,
    });
    return nrPurged > 0;
  }

  /** purge_vmap_node: release shadow, then pool the areas or give them back to the free space. */
  private purgeVmapNode(vn: VmapNode, list: VmapArea[]): number {
    for (const va of list) this.hooks.releaseVmalloc(makePtr(TAG_KERNEL, va.vaStart), makePtr(TAG_KERNEL, va.vaEnd));
    let nrPurgedPages = 0;
    const local: VmapArea[] = [];
    for (const va of list) {
      nrPurgedPages += (va.vaEnd - va.vaStart) / PAGE_SIZE;
      const id = (va.flags >>> 8) - 1;
      if (id >= 0 && id < this.nodes.length && !vn.skipPopulate && this.nodePoolAddVa(vn, va)) continue;
      local.push(va);
    }
    this.vmapLazyNr -= nrPurgedPages;
    const c = this.counters.cur;
    c.vmapPurgedToPool += list.length - local.length;
    c.vmapPurgedToFree += local.length;
    // list_add prepends, so reclaim_list_global walks them highest address first.
    for (let k = local.length - 1; k >= 0; k--) this.returnToFreeSpace(local[k]);
    return list.length;
  }

  private returnToFreeSpace(va: VmapArea): void {
    this.free.mergeOrAdd(va.vaStart, va.vaEnd, va.obj, (msg) => this.warnSink(msg));
  }

  /** decay_va_pool_node: hand ~25% (or all) of each size pool back to the free space. */
  private decayVaPoolNode(vn: VmapNode, full: boolean): void {
    const decayed: VmapArea[] = [];
    for (let i = 0; i < MAX_VA_SIZE_PAGES; i++) {
      const pool = vn.pools[i];
      if (pool === undefined || pool.length === 0) continue;
      let n = full ? pool.length : pool.length >> 2;
      // The pool's head (most recently added) is the end of the array.
      while (n-- > 0) decayed.push(pool.pop() as VmapArea);
    }
    if (decayed.length === 0) return;
    decayed.sort((a, b) => a.vaStart - b.vaStart);
    for (const va of decayed) this.returnToFreeSpace(va);
  }

  private nodePoolAddVa(vn: VmapNode, va: VmapArea): boolean {
    const idx = Math.floor((va.vaEnd - va.vaStart - 1) / PAGE_SIZE);
    if (idx >= MAX_VA_SIZE_PAGES) return false;
    let pool = vn.pools[idx];
    if (pool === undefined) pool = vn.pools[idx] = [];
    pool.push(va);
    return true;
  }

  /** node_pool_del_va: take the pool's head if it is suitably aligned, else rotate it to the tail. */
  private nodePoolDelVa(vn: VmapNode, size: number, align: number, vstart: number, vend: number): VmapArea | null {
    const idx = Math.floor((size - 1) / PAGE_SIZE);
    if (idx >= MAX_VA_SIZE_PAGES) return null;
    const pool = vn.pools[idx];
    if (pool === undefined || pool.length === 0) return null;
    const va = pool[pool.length - 1];
    if (va.vaStart % align !== 0) {
      pool.pop();
      pool.unshift(va);
      return null;
    }
    if (va.vaEnd - va.vaStart !== size || va.vaStart < vstart || va.vaEnd > vend) {
      this.warnSink("WARNING: node_pool_del_va: pooled area does not match the request");
      return null;
    }
    pool.pop();
    return va;
  }
}

/** get_vm_area_size: the area without its guard page. */
function getVmAreaSize(vm: VmArea): number {
  return (vm.flags & VM_NO_GUARD) !== 0 ? vm.size : vm.size - PAGE_SIZE;
}

function checkSize(fn: string, size: number): void {
  if (!Number.isSafeInteger(size) || size < 0) throw new Error(`${fn}: size must be a non-negative integer, got ${size}`);
}

function checkAlign(fn: string, align: number): void {
  if (!Number.isSafeInteger(align) || align < 1 || !Number.isInteger(Math.log2(align))) {
    throw new Error(`${fn}: align must be a power of two, got ${align}`);
  }
}

function checkGfp(fn: string, gfp: number): void {
  if (!Number.isInteger(gfp) || gfp < 0 || gfp > 0xffffffff) throw new Error(`${fn}: gfp must be a 32-bit gfp_t mask, got ${gfp}`);
}

function checkNode(fn: string, node: number): void {
  if (!Number.isInteger(node) || node < NUMA_NO_NODE) throw new Error(`${fn}: node must be an integer ≥ -1 (NUMA_NO_NODE), got ${node}`);
}
