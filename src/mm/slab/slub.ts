/**
 * The SLUB object engine (mm/slub.c below the hooks): getting an object from the per-CPU
 * freelist or the slow path (cpu slab refill, per-CPU partial slabs, the node partial list, a new
 * slab from the page allocator), putting objects back (lockless per-CPU fast path or __slab_free),
 * and the slab life cycle (allocate_slab/setup_object, deactivate_slab, discard_slab, flush,
 * shutdown).
 *
 * Reuse order is the kernel's: a new slab's freelist runs in address order
 * (CONFIG_SLAB_FREELIST_RANDOM is not modelled — off); frees on the CPU that owns the cpu slab
 * push onto the per-CPU freelist, so the object freed last comes back first.
 *
 * KASAN is only called where allocate_slab/setup_object call it (kasan_poison_slab,
 * kasan_init_slab_obj, the constructor bracket); the alloc/free hooks are the caller's.
 */
import { TAG_KERNEL, makePtr, ptrOffset, ptrTag, type Ptr } from "../../arch/pointer.js";
import type { Counters } from "../../cost/counters.js";
import type { ExecContext } from "../../lib/context.js";
import type { Rcu } from "../../rcu/rcu.js";
import {
  __GFP_DIRECT_RECLAIM,
  __GFP_HARDWALL,
  __GFP_HIGH,
  __GFP_IO,
  __GFP_FS,
  __GFP_MEMALLOC,
  __GFP_NOFAIL,
  __GFP_NOMEMALLOC,
  __GFP_NORETRY,
  __GFP_NOWARN,
  __GFP_RECLAIM,
  __GFP_RETRY_MAYFAIL,
  __GFP_THISNODE,
} from "../gfp.js";
import type { KasanHooks } from "../kasan-hooks.js";
import { PGTY_slab } from "../page_alloc/page-flags.js";
import { SLAB_TYPESAFE_BY_RCU } from "./flags.js";
import type { KmemCache } from "./kmem-cache.js";
import type { SlabPageAllocator } from "./page-source.js";
import { OBJ_ALLOCATED, OBJ_FREE, Slab } from "./slab.js";
import { SlabPfnTable } from "./slab-pfn-table.js";

/** GFP_RECLAIM_MASK | GFP_CONSTRAINT_MASK (mm/internal.h): what new_slab passes on. */
const GFP_SLAB_PASS_MASK =
  __GFP_RECLAIM | __GFP_HIGH | __GFP_IO | __GFP_FS | __GFP_NOWARN | __GFP_RETRY_MAYFAIL | __GFP_NOFAIL |
  __GFP_NORETRY | __GFP_MEMALLOC | __GFP_NOMEMALLOC | __GFP_HARDWALL | __GFP_THISNODE;

export class SlubEngine {
  /** Pages currently owned by slabs (NR_SLAB_*_B / PAGE_SIZE). */
  slabPages = 0;
  /** Every page of every live slab → its slab. */
  private readonly slabByPfn = new SlabPfnTable();

  constructor(
    private readonly pages: SlabPageAllocator,
    private readonly hooks: KasanHooks,
    private readonly counters: Counters,
    private readonly ctx: ExecContext,
    private readonly rcu: Rcu,
  ) {}

  /** virt_to_slab(): the slab containing linear-map offset `offset`, if any. */
  slabOfOffset(offset: number): Slab | undefined {
    return this.slabByPfn.get(this.pages.virtToPfn(makePtr(TAG_KERNEL, offset)));
  }

  /** virt_to_slab() for a pointer. */
  slabOf(ptr: Ptr): Slab | undefined {
    const pfn = this.pages.virtToPfn(ptr);
    return pfn < 0 ? undefined : this.slabByPfn.get(pfn);
  }

  // --- allocation ---

  /** __slab_alloc_node(): one object, or 0 when no slab could be allocated. */
  allocObject(s: KmemCache, gfp: number): Ptr {
    const cpu = this.ctx.cpu;
    const slab = s.cpuSlab[cpu];
    const idx = s.cpuFreelist[cpu];
    if (idx !== -1 && slab !== null) {
      s.cpuFreelist[cpu] = slab.next[idx];
      return this.take(s, slab, idx);
    }
    return this.slowAlloc(s, gfp, cpu);
  }

  private take(s: KmemCache, slab: Slab, idx: number): Ptr {
    slab.state[idx] = OBJ_ALLOCATED;
    s.liveObjects++;
    return makePtr(slab.tags[idx], slab.base + idx * s.size);
  }

  /** ___slab_alloc(): the per-CPU freelist is empty. */
  private slowAlloc(s: KmemCache, gfp: number, cpu: number): Ptr {
    let slab = s.cpuSlab[cpu];
    if (slab !== null) {
      // Objects other CPUs freed to our cpu slab went to slab->freelist.
      const fl = this.getFreelist(slab);
      if (fl !== -1) return this.loadFreelist(s, slab, fl, cpu);
      s.cpuSlab[cpu] = null; // full: no longer on any list
    }
    // new_slab: per-CPU partial slabs first.
    slab = s.cpuPartialHead[cpu];
    if (slab !== null) {
      s.cpuPartialHead[cpu] = slab.cpuPartialNext;
      slab.cpuPartialNext = null;
      s.cpuSlab[cpu] = slab;
      const fl = this.getFreelist(slab);
      if (fl === -1) throw new Error(`SLUB ${s.name}: per-CPU partial slab without free objects`);
      return this.loadFreelist(s, slab, fl, cpu);
    }
    slab = this.getPartialNode(s, cpu);
    let fl: number;
    if (slab !== null) {
      fl = this.freezeSlab(slab);
    } else {
      slab = this.newSlab(s, gfp);
      if (slab === null) return 0;
      fl = slab.freelist;
      slab.freelist = -1;
      slab.inuse = slab.objects;
      slab.frozen = true;
    }
    s.cpuSlab[cpu] = slab;
    return this.loadFreelist(s, slab, fl, cpu);
  }

  private loadFreelist(s: KmemCache, slab: Slab, fl: number, cpu: number): Ptr {
    s.cpuFreelist[cpu] = slab.next[fl];
    return this.take(s, slab, fl);
  }

  /** get_freelist(): take the slab's whole freelist for the cpu slab. */
  private getFreelist(slab: Slab): number {
    const fl = slab.freelist;
    slab.freelist = -1;
    slab.inuse = slab.objects;
    slab.frozen = fl !== -1;
    return fl;
  }

  /** freeze_slab(): a slab taken off the node partial list becomes a cpu slab. */
  private freezeSlab(slab: Slab): number {
    const fl = slab.freelist;
    slab.freelist = -1;
    slab.inuse = slab.objects;
    slab.frozen = true;
    return fl;
  }

  /**
   * get_partial_node(): the first partial slab becomes the cpu slab; further ones fill the
   * per-CPU partial list up to half its slab budget.
   */
  private getPartialNode(s: KmemCache, cpu: number): Slab | null {
    if (s.nrPartial === 0) return null;
    let partial: Slab | null = null;
    let partialSlabs = 0;
    for (let slab = s.partialHead; slab !== null; ) {
      const next = slab.listNext;
      this.removePartial(s, slab);
      if (partial === null) {
        partial = slab;
        if (s.cpuPartialSlabs === 0) break;
      } else {
        this.putCpuPartial(s, slab, false, cpu);
        if (++partialSlabs > s.cpuPartialSlabs / 2) break;
      }
      slab = next;
    }
    return partial;
  }

  /**
   * early_kmem_cache_node_alloc(): at boot the kmem_cache_node cache takes the first object of
   * a brand-new slab for its own node structure; the slab goes on the node partial list.
   * Returns the object pointer before kasan_slab_alloc (the caller applies it), 0 on failure.
   */
  earlyAllocFromNewSlab(s: KmemCache, gfp: number): Ptr {
    const slab = this.newSlab(s, gfp);
    if (slab === null) return 0;
    const idx = slab.freelist;
    slab.freelist = slab.next[idx];
    slab.inuse = 1;
    this.addPartial(s, slab, false);
    return this.take(s, slab, idx);
  }

  /** new_slab() → allocate_slab(): pages, kasan_poison_slab, setup_object per object. */
  private newSlab(s: KmemCache, gfp: number): Slab | null {
    const flags = (gfp & GFP_SLAB_PASS_MASK) | s.allocflags;
    let allocGfp = (flags | __GFP_NOWARN | __GFP_NORETRY) & ~__GFP_NOFAIL;
    // A higher order than needed is only worth a cheap attempt: no reclaim, no reserves.
    if ((allocGfp & __GFP_DIRECT_RECLAIM) !== 0 && s.order > s.minOrder) {
      allocGfp = (allocGfp | __GFP_NOMEMALLOC) & ~__GFP_RECLAIM;
    }
    let order = s.order;
    let objects = s.objectsPerSlab;
    this.counters.enter("slab");
    let pfn: number;
    try {
      pfn = this.pages.allocPages(allocGfp, order);
      if (pfn < 0) {
        order = s.minOrder;
        objects = s.minObjects;
        pfn = this.pages.allocPages(flags, order);
      }
      if (pfn < 0) return null;
      const nr = 2 ** order;
      this.pages.pages.setPageType(pfn, PGTY_slab);
      for (let i = 0; i < nr; i++) this.pages.pages.setSlabCacheId(pfn + i, s.id);
      // kasan_poison_slab comes first, so slab_address() below is the match-all address.
      this.hooks.poisonSlab(pfn, order);
      const base = ptrOffset(this.pages.pageAddress(pfn));
      const slab = new Slab(s, pfn, order, base, objects);
      for (let i = 0; i < nr; i++) this.slabByPfn.set(pfn + i, slab);
      this.setupObjects(s, slab);
      s.nrSlabs++;
      s.totalObjects += objects;
      this.slabPages += nr;
      this.counters.cur.slabsAllocated++;
      return slab;
    } finally {
      this.counters.leave();
    }
  }

  /** setup_object() for every object, linking the freelist in address order. */
  private setupObjects(s: KmemCache, slab: Slab): void {
    const n = slab.objects;
    const ctor = s.ctor;
    for (let i = 0; i < n; i++) {
      const raw = makePtr(TAG_KERNEL, slab.base + i * s.size);
      const p = this.hooks.initSlabObj(s, raw);
      if (ctor !== undefined) {
        this.hooks.unpoisonNewObject(s, p);
        ctor(p);
        this.hooks.poisonNewObject(s, p);
      }
      slab.tags[i] = ptrTag(p);
      slab.next[i] = i + 1 < n ? i + 1 : -1;
      slab.state[i] = OBJ_FREE;
    }
    slab.freelist = 0;
  }

  // --- free ---

  /**
   * do_slab_free(): return the detached list head..tail (cnt objects of `slab`, already linked
   * through slab.next with tags set) to SLUB.
   */
  freeList(s: KmemCache, slab: Slab, head: number, tail: number, cnt: number): void {
    for (let i = head; ; i = slab.next[i]) {
      slab.state[i] = OBJ_FREE;
      if (i === tail) break;
    }
    s.liveObjects -= cnt;
    this.counters.cur.slabFrees += cnt;
    const cpu = this.ctx.cpu;
    if (slab === s.cpuSlab[cpu]) {
      slab.next[tail] = s.cpuFreelist[cpu];
      s.cpuFreelist[cpu] = head;
      return;
    }
    this.slabFreeSlow(s, slab, head, tail, cnt, cpu);
  }

  /** Free one object (index `idx`, pointer tag `tag`). */
  freeOne(s: KmemCache, slab: Slab, idx: number, tag: number): void {
    slab.tags[idx] = tag;
    this.freeList(s, slab, idx, idx, 1);
  }

  /** __slab_free(): the object's slab is not this CPU's cpu slab. */
  private slabFreeSlow(s: KmemCache, slab: Slab, head: number, tail: number, cnt: number, cpu: number): void {
    const prior = slab.freelist;
    slab.next[tail] = prior;
    slab.freelist = head;
    slab.inuse -= cnt;
    if (slab.frozen) return; // some CPU's cpu slab: it will find these objects
    if (prior === -1) {
      // It was full: it goes to this CPU's partial list (even if now empty).
      this.putCpuPartial(s, slab, true, cpu);
      return;
    }
    // Partial before; only slabs on the node list are managed here (cpu partial ones stay put).
    if (!slab.onNodePartial) return;
    if (slab.inuse === 0 && s.nrPartial >= s.minPartial) {
      this.removePartial(s, slab);
      this.discardSlab(s, slab);
    }
  }

  /** put_cpu_partial(): push on this CPU's partial list; a full list is moved to the node first. */
  private putCpuPartial(s: KmemCache, slab: Slab, drain: boolean, cpu: number): void {
    let old = s.cpuPartialHead[cpu];
    let toUnfreeze: Slab | null = null;
    let slabs = 0;
    if (old !== null) {
      if (drain && old.cpuPartialCount >= s.cpuPartialSlabs) {
        toUnfreeze = old;
        old = null;
      } else {
        slabs = old.cpuPartialCount;
      }
    }
    slab.cpuPartialCount = slabs + 1;
    slab.cpuPartialNext = old;
    s.cpuPartialHead[cpu] = slab;
    if (toUnfreeze !== null) this.putPartials(s, toUnfreeze);
  }

  /** __put_partials(): move a per-CPU partial chain to the node list, freeing surplus empty slabs. */
  private putPartials(s: KmemCache, first: Slab): void {
    const discard: Slab[] = [];
    for (let slab: Slab | null = first; slab !== null; ) {
      const next: Slab | null = slab.cpuPartialNext;
      slab.cpuPartialNext = null;
      slab.cpuPartialCount = 0;
      if (slab.inuse === 0 && s.nrPartial >= s.minPartial) discard.push(slab);
      else this.addPartial(s, slab, true);
      slab = next;
    }
    for (const slab of discard) this.discardSlab(s, slab);
  }

  /** deactivate_slab(): give the cpu slab back, splicing the CPU freelist in front of its own. */
  private deactivateSlab(s: KmemCache, slab: Slab, cpuFreelist: number): void {
    const toTail = slab.freelist !== -1; // remote frees were pending: DEACTIVATE_TO_TAIL
    let tail = -1;
    let delta = 0;
    for (let i = cpuFreelist; i !== -1; i = slab.next[i]) {
      tail = i;
      delta++;
    }
    if (tail !== -1) {
      slab.inuse -= delta;
      slab.next[tail] = slab.freelist;
      slab.freelist = cpuFreelist;
    }
    slab.frozen = false;
    if (slab.inuse === 0 && s.nrPartial >= s.minPartial) this.discardSlab(s, slab);
    else if (slab.freelist !== -1) this.addPartial(s, slab, toTail);
  }

  /** __flush_cpu_slab(): deactivate `cpu`'s cpu slab and move its partial list to the node. */
  flushCpu(s: KmemCache, cpu: number): void {
    const slab = s.cpuSlab[cpu];
    if (slab !== null) {
      const fl = s.cpuFreelist[cpu];
      s.cpuSlab[cpu] = null;
      s.cpuFreelist[cpu] = -1;
      this.deactivateSlab(s, slab, fl);
    }
    const partial = s.cpuPartialHead[cpu];
    if (partial !== null) {
      s.cpuPartialHead[cpu] = null;
      this.putPartials(s, partial);
    }
  }

  /** flush_all() for one cache. */
  flushAll(s: KmemCache): void {
    for (let cpu = 0; cpu < s.cpuSlab.length; cpu++) this.flushCpu(s, cpu);
  }

  /**
   * __kmem_cache_shutdown(): flush every CPU, free the empty partial slabs. Returns the number
   * of objects still allocated (0 = the cache can be released).
   */
  shutdown(s: KmemCache): number {
    this.flushAll(s);
    for (let slab = s.partialHead; slab !== null; ) {
      const next = slab.listNext;
      if (slab.inuse === 0) {
        this.removePartial(s, slab);
        this.discardSlab(s, slab);
      }
      slab = next;
    }
    return s.nrPartial !== 0 || s.nrSlabs !== 0 ? Math.max(s.liveObjects, 1) : 0;
  }

  // --- node partial list ---

  /** add_partial(): head (DEACTIVATE_TO_HEAD) or tail. */
  private addPartial(s: KmemCache, slab: Slab, toTail: boolean): void {
    s.nrPartial++;
    slab.onNodePartial = true;
    if (toTail) {
      slab.listPrev = s.partialTail;
      slab.listNext = null;
      if (s.partialTail !== null) s.partialTail.listNext = slab;
      else s.partialHead = slab;
      s.partialTail = slab;
    } else {
      slab.listNext = s.partialHead;
      slab.listPrev = null;
      if (s.partialHead !== null) s.partialHead.listPrev = slab;
      else s.partialTail = slab;
      s.partialHead = slab;
    }
  }

  private removePartial(s: KmemCache, slab: Slab): void {
    if (slab.listPrev !== null) slab.listPrev.listNext = slab.listNext;
    else s.partialHead = slab.listNext;
    if (slab.listNext !== null) slab.listNext.listPrev = slab.listPrev;
    else s.partialTail = slab.listPrev;
    slab.listPrev = slab.listNext = null;
    slab.onNodePartial = false;
    s.nrPartial--;
  }

  // --- slab release ---

  /** discard_slab() → free_slab(): TYPESAFE_BY_RCU slabs go back only after a grace period. */
  private discardSlab(s: KmemCache, slab: Slab): void {
    s.nrSlabs--;
    s.totalObjects -= slab.objects;
    if ((s.flags & SLAB_TYPESAFE_BY_RCU) !== 0) this.rcu.callRcu(() => this.freeSlabPages(slab));
    else this.freeSlabPages(slab);
  }

  /** __free_slab(): clear the slab page type and give the pages back. */
  private freeSlabPages(slab: Slab): void {
    const nr = 2 ** slab.order;
    for (let i = 0; i < nr; i++) {
      this.slabByPfn.delete(slab.pfn + i);
      this.pages.pages.setSlabCacheId(slab.pfn + i, -1);
    }
    this.pages.pages.clearPageType(slab.pfn);
    this.slabPages -= nr;
    this.counters.enter("slab");
    try {
      this.counters.cur.slabsFreed++;
      this.pages.freePages(slab.pfn, slab.order);
    } finally {
      this.counters.leave();
    }
  }
}
