/**
 * Kernel thread stacks (kernel/fork.c alloc_thread_stack_node / free_thread_stack, Linux 6.12),
 * all three variants:
 *
 *  - CONFIG_VMAP_STACK ("vmap"): first the per-CPU cache cached_stacks[NR_CACHED_STACKS = 2]
 *    (this_cpu_xchg); on a hit kasan_unpoison_range(vm->addr, THREAD_SIZE) (clears stale
 *    software-mode stack redzones; under hw_tags it re-tags the stack with the area's tag),
 *    kasan_reset_tag, memset(THREAD_SIZE) and the memcg charge; on a miss
 *    __vmalloc_node_range(THREAD_SIZE, THREAD_ALIGN, THREADINFO_GFP & ~__GFP_ACCOUNT, PAGE_KERNEL)
 *    and find_vm_area. free_thread_stack puts the area back into an empty slot of this CPU's
 *    cache (try_release_thread_stack_to_cache), else call_rcu(thread_stack_free_rcu), whose
 *    callback tries the cache again and otherwise vfree()s — from softirq context, so vfree
 *    defers to vfree_atomic's work item.
 *  - THREAD_SIZE >= PAGE_SIZE without VMAP_STACK ("pages"): alloc_pages_node(THREADINFO_GFP,
 *    THREAD_SIZE_ORDER), page_address reset-tagged; freed with __free_pages after a grace period.
 *  - THREAD_SIZE < PAGE_SIZE ("kmem_cache"): kmem_cache_alloc_node(thread_stack_cache,
 *    THREADINFO_GFP); freed with kmem_cache_free after a grace period.
 * THREADINFO_GFP = GFP_KERNEL_ACCOUNT | __GFP_ZERO. Policies (src/policy): skip-stacks adds
 * __GFP_SKIP_KASAN at the vmap and pages sites and skips the cache-hit kasan_unpoison_range when
 * hw tags are on (seed 000); skip-stacks-all puts it into THREADINFO_GFP, so the kmem_cache
 * variant and arm64's arch_alloc_vmap_stack sites skip too; untagged-by-default: stacks never
 * opt in, same flags as skip-stacks-all.
 *
 * Counting: everything here is attributed to origin "threadStack" (the vmalloc metadata
 * kmallocs are counted by SLUB as "slab"); stackCacheHits/Misses count the VMAP cache.
 * memcg is not configured (as in the trace kernel), so memcg_charge_kernel_stack does nothing.
 */
import { TAG_KERNEL, resetTag, type Ptr } from "../arch/pointer.js";
import type { KasanMode } from "../config/mode.js";
import type { Counters } from "../cost/counters.js";
import type { ExecContext } from "../lib/context.js";
import { GFP_KERNEL_ACCOUNT, __GFP_ACCOUNT, __GFP_SKIP_KASAN, __GFP_ZERO } from "../mm/gfp.js";
import type { KasanHooks } from "../mm/kasan-hooks.js";
import { getOrder, PAGE_SIZE } from "../mm/memory-layout.js";
import type { PageAllocator } from "../mm/page_alloc/page-allocator.js";
import type { KmemCache } from "../mm/slab/kmem-cache.js";
import type { SlabAllocator } from "../mm/slab/slab-allocator.js";
import type { Vmalloc } from "../mm/vmalloc/vmalloc.js";
import { NUMA_NO_NODE } from "../mm/vmalloc/vm-flags.js";
import type { TaggingPolicy } from "../policy/policies.js";
import type { SoftirqRcu } from "./softirq-rcu.js";

export const NR_CACHED_STACKS = 2;
/** include/linux/thread_info.h. */
export const THREADINFO_GFP = GFP_KERNEL_ACCOUNT | __GFP_ZERO;

export type StackVariant = "vmap" | "pages" | "kmem_cache";

export interface ThreadStack {
  /** tsk->stack: the reset-tagged (match-all) base pointer. */
  readonly base: Ptr;
  /** VMAP: vm->addr as vmalloc returned it (tagged when KASAN tagged it); else equal to base. */
  readonly vmAddr: Ptr;
  /** pages variant: first pfn; else -1. */
  readonly pfn: number;
}

export interface ThreadStackDeps {
  mode: KasanMode;
  threadSize: number;
  vmapStack: boolean;
  policy: TaggingPolicy;
  counters: Counters;
  ctx: ExecContext;
  hooks: KasanHooks;
  pages: PageAllocator;
  slab: SlabAllocator;
  vmalloc: Vmalloc;
  rcu: SoftirqRcu;
}

export class ThreadStacks {
  readonly variant: StackVariant;
  readonly threadSize: number;
  /** THREAD_ALIGN: 2·THREAD_SIZE with VMAP_STACK (overflow check on arm64). */
  readonly threadAlign: number;
  /** THREADINFO_GFP as this kernel's policy defines it. */
  readonly threadinfoGfp: number;
  /** The gfp the VMAP variant passes to __vmalloc_node_range. */
  readonly vmapGfp: number;
  /** The gfp the pages variant passes to alloc_pages_node. */
  readonly pagesGfp: number;
  /** cached_stacks[cpu * 2 + i]: the cached area's vm->addr, 0 = empty. */
  readonly cache: Float64Array;
  private readonly stackCache: KmemCache | undefined;

  constructor(private readonly d: ThreadStackDeps) {
    const size = d.threadSize;
    if (!Number.isInteger(size) || size < 1024 || (size & (size - 1)) !== 0) {
      throw new Error(`THREAD_SIZE must be a power of two >= 1024, got ${size}`);
    }
    this.threadSize = size;
    this.variant = d.vmapStack ? "vmap" : size >= PAGE_SIZE ? "pages" : "kmem_cache";
    this.threadAlign = d.vmapStack ? 2 * size : size;
    const p = d.policy;
    const all = p.skipStacksAll || p.untaggedByDefault;
    this.threadinfoGfp = THREADINFO_GFP | (all ? __GFP_SKIP_KASAN : 0);
    const seedSites = p.skipStacks || all ? __GFP_SKIP_KASAN : 0;
    this.vmapGfp = (this.threadinfoGfp & ~__GFP_ACCOUNT) | seedSites;
    this.pagesGfp = this.threadinfoGfp | seedSites;
    this.cache = new Float64Array(d.ctx.nrCpus * NR_CACHED_STACKS);
    // thread_stack_cache_init: only for THREAD_SIZE < PAGE_SIZE.
    this.stackCache = this.variant === "kmem_cache" ? d.slab.kmemCacheCreate("thread_stack", size, size, 0) : undefined;
  }

  /** Stacks sitting in every CPU's cache. */
  get cachedCount(): number {
    let n = 0;
    for (let i = 0; i < this.cache.length; i++) if (this.cache[i] !== 0) n++;
    return n;
  }

  /** alloc_thread_stack_node(tsk, NUMA_NO_NODE) on the current CPU; throws on OOM. */
  alloc(): ThreadStack {
    const c = this.d.counters;
    c.enter("threadStack");
    try {
      if (this.variant === "vmap") return this.allocVmap();
      if (this.variant === "pages") {
        const pfn = this.d.pages.allocPages(this.pagesGfp, getOrder(this.threadSize));
        if (pfn < 0) throw new Error("alloc_thread_stack_node: out of memory");
        const base = resetTag(this.d.pages.pageAddress(pfn));
        return { base, vmAddr: base, pfn };
      }
      const obj = this.d.slab.kmemCacheAlloc(this.stackCache as KmemCache, this.threadinfoGfp);
      if (obj === 0) throw new Error("alloc_thread_stack_node: out of memory");
      const base = resetTag(obj);
      return { base, vmAddr: obj, pfn: -1 };
    } finally {
      c.leave();
    }
  }

  /** free_thread_stack(tsk) on the current CPU. */
  free(s: ThreadStack): void {
    const c = this.d.counters;
    c.enter("threadStack");
    try {
      if (this.variant === "vmap") {
        if (this.tryReleaseToCache(s.vmAddr)) return;
        // thread_stack_delayed_free → thread_stack_free_rcu.
        this.d.rcu.callRcu("threadStack", () => {
          if (this.tryReleaseToCache(s.vmAddr)) return;
          this.d.vmalloc.vfree(s.vmAddr);
        });
      } else if (this.variant === "pages") {
        const order = getOrder(this.threadSize);
        this.d.rcu.callRcu("threadStack", () => this.d.pages.freePages(s.pfn, order));
      } else {
        const cache = this.stackCache as KmemCache;
        this.d.rcu.callRcu("threadStack", () => this.d.slab.kmemCacheFree(cache, s.vmAddr));
      }
    } finally {
      c.leave();
    }
  }

  private allocVmap(): ThreadStack {
    const d = this.d;
    const cur = d.counters.cur;
    const cpu = d.ctx.cpu;
    for (let i = 0; i < NR_CACHED_STACKS; i++) {
      const slot = cpu * NR_CACHED_STACKS + i;
      const addr = this.cache[slot];
      if (addr === 0) continue;
      this.cache[slot] = 0;
      cur.stackCacheHits++;
      // Seed 000: the match-all SP never checks tags, so hw tags need no re-tagging here.
      if (!(d.policy.skipStacks && d.hooks.hwTagsEnabled)) d.hooks.unpoisonRange(addr, this.threadSize);
      const base = resetTag(addr);
      cur.bytesZeroed += this.threadSize; // memset(stack, 0, THREAD_SIZE)
      return { base, vmAddr: addr, pfn: -1 };
    }
    cur.stackCacheMisses++;
    const addr = d.vmalloc.vmallocNodeRange(this.threadSize, this.threadAlign, this.vmapGfp, "PAGE_KERNEL", 0, NUMA_NO_NODE, "alloc_thread_stack_node");
    if (addr === 0) throw new Error("alloc_thread_stack_node: vmalloc failed (out of memory)");
    return { base: resetTag(addr), vmAddr: addr, pfn: -1 };
  }

  /** try_release_thread_stack_to_cache: this_cpu_try_cmpxchg into an empty slot. */
  private tryReleaseToCache(addr: Ptr): boolean {
    const cpu = this.d.ctx.cpu;
    for (let i = 0; i < NR_CACHED_STACKS; i++) {
      const slot = cpu * NR_CACHED_STACKS + i;
      if (this.cache[slot] !== 0) continue;
      this.cache[slot] = addr;
      return true;
    }
    return false;
  }
}

/** The match-all tag a stack pointer carries (kasan_reset_tag). */
export const STACK_POINTER_TAG = TAG_KERNEL;
