/**
 * Address spaces (mm_struct), anonymous private mappings, page faults, fork's copy of the page
 * tables and exit's teardown (kernel/fork.c dup_mm/dup_mmap/mm_init, mm/mmap.c, mm/memory.c
 * do_anonymous_page/__pte_alloc/copy_page_range/zap_pte_range/free_pgtables, mm/rmap.c
 * anon_vma_prepare/anon_vma_fork, Linux 6.12 on arm64).
 *
 * Modelled allocations (slab caches as the 6.12 trace names them):
 *   mm_struct        allocate_mm (kmem_cache mm_struct, 1032 bytes, HWCACHE_ALIGN)
 *   PGD              pgd_alloc (page, GFP_PGTABLE_USER)
 *   vm_area_struct   vm_area_alloc / vm_area_dup (144 bytes), plus its vma_lock (40 bytes,
 *                    CONFIG_PER_VMA_LOCK); both freed after a grace period (vm_area_free_rcu_cb)
 *   anon_vma (96, TYPESAFE_BY_RCU + ctor) and anon_vma_chain (64): __anon_vma_prepare on the
 *                    first fault of a VMA; anon_vma_fork clones the parent's chain (one avc) and
 *                    gives the child its own anon_vma (one anon_vma + one avc)
 *   user pages       do_anonymous_page: GFP_HIGHUSER_MOVABLE | __GFP_ZERO | __GFP_COMP (folio),
 *                    i.e. __GFP_SKIP_KASAN: never KASAN-tagged; zeroed by clear_highpage
 *   PUD/PMD/PTE      __pud_alloc/__pmd_alloc/__pte_alloc → pagetable_alloc(GFP_PGTABLE_USER)
 * fork copies the page tables of every VMA that has an anon_vma (vma_needs_copy): the child gets
 * its own PUD/PMD/PTE pages, the user pages are shared copy-on-write (page refcount + 1, both
 * PTEs write-protected). exit_mmap zaps the PTEs (a page whose last reference goes is freed),
 * unhooks every table (dtor) and frees them through the mmu_gather table batch: with
 * CONFIG_MMU_GATHER_RCU_TABLE_FREE (arm64) one call_rcu per batch of MAX_TABLE_BATCH tables (the
 * batch's own page is not modelled); mmdrop frees the PGD (pgd_free) and the mm_struct.
 *
 * Layout: mmap_base = TASK_SIZE − 128 MiB (mmap_base()'s minimum gap, no ASLR); anonymous
 * mappings are placed top-down below it, each directly below the previous one, page aligned.
 * THP is not used for anonymous faults (transparent_hugepage=madvise/never), so every 4 KiB
 * page has its PTE. Only the mappings a workload creates exist (no text/heap/stack VMAs).
 *
 * Not modelled: the maple tree nodes, file mappings, mprotect/munmap of parts, swap, memcg.
 */
import type { Ptr } from "../../arch/pointer.js";
import type { Counters } from "../../cost/counters.js";
import type { Rcu } from "../../rcu/rcu.js";
import type { KmemCache } from "../slab/kmem-cache.js";
import type { SlabAllocator } from "../slab/slab-allocator.js";
import { SLAB_ACCOUNT, SLAB_HWCACHE_ALIGN, SLAB_PANIC, SLAB_TYPESAFE_BY_RCU } from "../slab/flags.js";
import { GFP_HIGHUSER_MOVABLE, GFP_KERNEL, __GFP_COMP, __GFP_ZERO } from "../gfp.js";
import type { PagetableAllocator, PgtablePageAllocator } from "../pgtable/pgalloc.js";
import { PAGE_SHIFT, PGDIR_SHIFT, PMD_SHIFT, PTRS_PER_PTE, PUD_SHIFT, PageTables, PteBlock, PteTable, TASK_SIZE, regionIndex } from "../pgtable/page-table.js";

export const PAGE_SIZE = 4096;
/** mmap_base(): TASK_SIZE minus the minimum 128 MiB gap (no randomisation). */
export const MMAP_BASE = TASK_SIZE - 128 * 2 ** 20;
/** MAX_TABLE_BATCH: (PAGE_SIZE − sizeof(struct mmu_table_batch)) / sizeof(void *). */
export const MAX_TABLE_BATCH = (4096 - 16) / 8;
/** sizeof(struct mm_struct) in the 6.12 trace (copy_mm bytes_req=1032). */
export const MM_STRUCT_SIZE = 1032;
export const VM_AREA_STRUCT_SIZE = 144;
export const VMA_LOCK_SIZE = 40;
export const ANON_VMA_SIZE = 96;
export const ANON_VMA_CHAIN_SIZE = 64;
/** do_anonymous_page → vma_alloc_zeroed_movable_folio: a zeroed order-0 movable folio. */
export const GFP_USER_PAGE = GFP_HIGHUSER_MOVABLE | __GFP_ZERO | __GFP_COMP;

export class AnonVma {
  refs = 1;
  constructor(readonly obj: Ptr) {}
}

export class Vma {
  anonVma: AnonVma | null = null;
  /** anon_vma_chain objects linking this VMA to anon_vmas. */
  readonly avcs: Ptr[] = [];
  /** Every anon_vma the chain links to (its own and, after fork, the parent's). */
  readonly linked: AnonVma[] = [];
  constructor(
    readonly start: number,
    readonly end: number,
    readonly obj: Ptr,
    readonly lockObj: Ptr,
  ) {}
}

export class MmStruct {
  /** mm_users (tasks sharing it) and mm_count (mmgrab references, +1 held for the users). */
  users = 1;
  count = 1;
  readonly vmas: Vma[] = [];
  /** Next top-down mmap position. */
  mmapCursor = MMAP_BASE;
  constructor(
    readonly obj: Ptr,
    readonly pt: PageTables,
  ) {}
}

export interface MmDeps {
  pages: PgtablePageAllocator;
  slab: SlabAllocator;
  rcu: Rcu;
  counters: Counters;
  pgtable: PagetableAllocator;
}

export class MmManager {
  readonly mmCache: KmemCache;
  readonly vmaCache: KmemCache;
  readonly vmaLockCache: KmemCache;
  readonly anonVmaCache: KmemCache;
  readonly avcCache: KmemCache;
  /**
   * Per user page (by memmap index): the PTE blocks holding it. Its mappings (page->_mapcount +
   * 1) are that plus, for each shared block holding it, the block's extra references.
   */
  private readonly mapcount: Uint16Array;
  /** PTE blocks held by more than one table (fork shares the parent's). */
  private readonly sharedBlocks = new Set<PteBlock>();
  private readonly minPfn: number;

  constructor(private readonly d: MmDeps) {
    const s = d.slab;
    this.mmCache = s.kmemCacheCreate("mm_struct", MM_STRUCT_SIZE, 64, SLAB_HWCACHE_ALIGN | SLAB_PANIC | SLAB_ACCOUNT);
    this.vmaCache = s.kmemCacheCreate("vm_area_struct", VM_AREA_STRUCT_SIZE, 0, SLAB_PANIC | SLAB_ACCOUNT);
    this.vmaLockCache = s.kmemCacheCreate("vma_lock", VMA_LOCK_SIZE, 0, SLAB_PANIC | SLAB_ACCOUNT);
    this.anonVmaCache = s.kmemCacheCreate("anon_vma", ANON_VMA_SIZE, 0, SLAB_TYPESAFE_BY_RCU | SLAB_PANIC | SLAB_ACCOUNT, () => {});
    this.avcCache = s.kmemCacheCreate("anon_vma_chain", ANON_VMA_CHAIN_SIZE, 0, SLAB_PANIC | SLAB_ACCOUNT);
    this.mapcount = new Uint16Array(d.pages.pages.nrPages);
    this.minPfn = d.pages.pages.minPfn;
  }

  /** Mappings of user page `pfn` (0 = not mapped anywhere). */
  mapcountOf(pfn: number): number {
    let n = this.mapcount[pfn - this.minPfn];
    for (const b of this.sharedBlocks) {
      const e = b.entries;
      for (let i = 0; i < PTRS_PER_PTE; i++) if (e[i] === pfn) n += b.refs - 1;
    }
    return n;
  }

  /** mm_alloc / allocate_mm + mm_init (pgd_alloc). Throws on OOM (the model does not recover). */
  mmAlloc(): MmStruct {
    const obj = this.d.slab.kmemCacheAlloc(this.mmCache, GFP_KERNEL);
    if (obj === 0) throw new Error("mm_alloc: out of memory for mm_struct");
    const pgd = this.d.pgtable.pgdAlloc();
    if (pgd < 0) throw new Error("mm_init: pgd_alloc failed (out of memory)");
    return new MmStruct(obj, new PageTables(pgd));
  }

  /** mmap(NULL, len, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS): the start address. */
  mmapAnon(mm: MmStruct, len: number): number {
    if (!Number.isSafeInteger(len) || len <= 0) throw new Error(`mmap: length must be a positive integer, got ${len}`);
    const size = Math.ceil(len / PAGE_SIZE) * PAGE_SIZE;
    const start = mm.mmapCursor - size;
    if (start < 0) throw new Error(`mmap: ${size} bytes do not fit below 0x${mm.mmapCursor.toString(16)}`);
    mm.mmapCursor = start;
    const vma = this.vmaAlloc(start, start + size);
    mm.vmas.push(vma);
    return start;
  }

  /**
   * A write fault on an unmapped anonymous page (handle_mm_fault → do_anonymous_page). Returns
   * false if `addr` is outside every VMA (SIGSEGV) or the page is already mapped.
   */
  fault(mm: MmStruct, addr: number): boolean {
    const vma = findVma(mm, addr);
    if (vma === undefined) return false;
    const c = this.d.counters;
    c.cur.pageFaults++;
    if (vma.anonVma === null) this.anonVmaPrepare(vma);
    const pte = this.walkAlloc(mm.pt, addr);
    const idx = regionIndex(addr, PAGE_SHIFT) % PTRS_PER_PTE;
    if (pte.entries[idx] !== 0) return false;
    c.enter("userPage");
    try {
      const pfn = this.d.pages.allocPages(GFP_USER_PAGE, 0);
      if (pfn < 0) throw new Error("do_anonymous_page: out of memory (raise the simulated RAM)");
      const b = this.ownBlock(pte);
      b.entries[idx] = pfn;
      b.present++;
      this.mapcount[pfn - this.minPfn]++;
    } finally {
      c.leave();
    }
    return true;
  }

  /** Touch every page of [addr, addr+len) (what the seed's pgtable mode does after mmap). */
  populate(mm: MmStruct, addr: number, len: number): void {
    for (let a = addr; a < addr + len; a += PAGE_SIZE) this.fault(mm, a);
  }

  /** dup_mm(): a new mm_struct + PGD, then dup_mmap: every VMA duplicated, anon ones COW-copied. */
  dupMm(old: MmStruct): MmStruct {
    const mm = this.mmAlloc();
    mm.mmapCursor = old.mmapCursor;
    for (const src of old.vmas) {
      // vm_area_dup: vm_area_struct + its vma_lock.
      const vma = this.vmaAlloc(src.start, src.end);
      mm.vmas.push(vma);
      if (src.anonVma !== null) {
        this.anonVmaFork(vma, src);
        this.copyPageRange(mm.pt, old.pt, src);
      }
    }
    return mm;
  }

  /** mmput(): the last user tears the address space down (exit_mmap), then mmdrop. */
  mmput(mm: MmStruct): void {
    if (mm.users <= 0) throw new Error("mmput: mm has no users");
    if (--mm.users > 0) return;
    this.exitMmap(mm);
    this.mmdrop(mm);
  }

  /** mmdrop(): the last reference frees the PGD and the mm_struct (__mmdrop). */
  mmdrop(mm: MmStruct): void {
    if (--mm.count > 0) return;
    this.d.pgtable.pgdFree(mm.pt.pgdPfn);
    this.d.slab.kmemCacheFree(this.mmCache, mm.obj);
  }

  // ------------------------------------------------------------------ internals

  private vmaAlloc(start: number, end: number): Vma {
    const s = this.d.slab;
    const obj = s.kmemCacheAlloc(this.vmaCache, GFP_KERNEL);
    const lock = s.kmemCacheAlloc(this.vmaLockCache, GFP_KERNEL);
    if (obj === 0 || lock === 0) throw new Error("vm_area_alloc: out of memory");
    return new Vma(start, end, obj, lock);
  }

  /** __anon_vma_prepare: an anon_vma_chain, then the anon_vma. */
  private anonVmaPrepare(vma: Vma): void {
    const s = this.d.slab;
    const avc = s.kmemCacheAlloc(this.avcCache, GFP_KERNEL);
    const av = s.kmemCacheAlloc(this.anonVmaCache, GFP_KERNEL);
    if (avc === 0 || av === 0) throw new Error("anon_vma_prepare: out of memory");
    vma.avcs.push(avc);
    vma.anonVma = new AnonVma(av);
    vma.linked.push(vma.anonVma);
  }

  /** anon_vma_fork: clone the parent's chain (one avc), then a new anon_vma + avc of its own. */
  private anonVmaFork(vma: Vma, src: Vma): void {
    const s = this.d.slab;
    const clone = s.kmemCacheAlloc(this.avcCache, GFP_KERNEL);
    const av = s.kmemCacheAlloc(this.anonVmaCache, GFP_KERNEL);
    const avc = s.kmemCacheAlloc(this.avcCache, GFP_KERNEL);
    if (clone === 0 || av === 0 || avc === 0) throw new Error("anon_vma_fork: out of memory");
    for (const a of src.linked) {
      a.refs++;
      vma.linked.push(a);
    }
    vma.avcs.push(clone, avc);
    vma.anonVma = new AnonVma(av);
    vma.linked.push(vma.anonVma);
  }

  /** The PTE table for `addr`, allocating the PUD/PMD/PTE levels on the way (pud/pmd/pte_alloc). */
  private walkAlloc(pt: PageTables, addr: number, share?: PteBlock): PteTable {
    const pteKey = regionIndex(addr, PMD_SHIFT);
    const have = pt.pte.get(pteKey);
    if (have !== undefined) return have;
    const pudKey = regionIndex(addr, PGDIR_SHIFT);
    if (!pt.pud.has(pudKey)) pt.pud.set(pudKey, this.tableAlloc());
    const pmdKey = regionIndex(addr, PUD_SHIFT);
    if (!pt.pmd.has(pmdKey)) pt.pmd.set(pmdKey, this.tableAlloc());
    const pfn = this.tableAlloc();
    let block: PteBlock;
    if (share !== undefined) {
      block = share;
      if (++block.refs === 2) this.sharedBlocks.add(block);
    } else {
      block = new PteBlock();
    }
    const t = new PteTable(pfn, block);
    pt.pte.set(pteKey, t);
    return t;
  }

  /** The table's block, made private to it first if other tables share it (before a write). */
  private ownBlock(t: PteTable): PteBlock {
    const old = t.block;
    if (old.refs === 1) return old;
    const b = new PteBlock(old.entries.slice());
    b.present = old.present;
    const mc = this.mapcount;
    const min = this.minPfn;
    const e = b.entries;
    for (let i = 0; i < PTRS_PER_PTE; i++) if (e[i] !== 0) mc[e[i] - min]++;
    if (--old.refs === 1) this.sharedBlocks.delete(old);
    t.block = b;
    return b;
  }

  private tableAlloc(): number {
    const pfn = this.d.pgtable.tableAlloc(true);
    if (pfn < 0) throw new Error("__pte_alloc: out of memory for a page-table page");
    return pfn;
  }

  /** copy_page_range for one anonymous private VMA: child tables, shared write-protected pages. */
  private copyPageRange(dst: PageTables, src: PageTables, vma: Vma): void {
    const first = regionIndex(vma.start, PMD_SHIFT);
    const last = regionIndex(vma.end - 1, PMD_SHIFT);
    const mc = this.mapcount;
    const min = this.minPfn;
    for (let k = first; k <= last; k++) {
      const s = src.pte.get(k);
      if (s === undefined || s.present === 0) continue;
      if (!dst.pte.has(k)) {
        // A fresh child table (the usual case): it gets every entry of the parent's, shared.
        this.walkAlloc(dst, k * 2 ** PMD_SHIFT, s.block);
        this.d.counters.cur.ptesCopied += s.present;
        continue;
      }
      const d = this.walkAlloc(dst, k * 2 ** PMD_SHIFT);
      if (d.block === s.block) continue; // already holds every entry
      // copy_present_pte: same page in both, refcount + mapcount up (COW on the next write).
      const e = s.entries;
      let b: PteBlock | null = null;
      for (let i = 0; i < PTRS_PER_PTE; i++) {
        const pfn = e[i];
        if (pfn !== 0 && d.entries[i] === 0) {
          b ??= this.ownBlock(d);
          b.entries[i] = pfn;
          b.present++;
          mc[pfn - min]++;
          this.d.counters.cur.ptesCopied++;
        }
      }
    }
  }

  /** exit_mmap: zap every VMA, free the page tables (RCU table batches), free the VMAs. */
  private exitMmap(mm: MmStruct): void {
    const pt = mm.pt;
    const c = this.d.counters;
    // unmap_vmas → zap_pte_range: drop each mapping; the last one frees the page.
    c.enter("userPage");
    try {
      const mc = this.mapcount;
      const min = this.minPfn;
      for (const t of pt.pte.values()) {
        const b = t.block;
        // zap_pte_range clears each of this table's present entries, shared block or not.
        c.cur.ptesZapped += b.present;
        // A block other tables still hold keeps every one of its pages mapped.
        if (--b.refs > 0) {
          if (b.refs === 1) this.sharedBlocks.delete(b);
          continue;
        }
        if (b.present === 0) continue;
        const e = b.entries;
        for (let i = 0; i < PTRS_PER_PTE; i++) {
          const pfn = e[i];
          if (pfn === 0) continue;
          if (--mc[pfn - min] === 0) this.d.pages.freePages(pfn, 0);
        }
      }
    } finally {
      c.leave();
    }
    // free_pgtables: unhook PTE, then PMD, then PUD tables (dtor now, free after the batch's grace period).
    const tables: number[] = [];
    for (const t of pt.pte.values()) tables.push(t.pfn);
    for (const pfn of pt.pmd.values()) tables.push(pfn);
    for (const pfn of pt.pud.values()) tables.push(pfn);
    pt.pte.clear();
    pt.pmd.clear();
    pt.pud.clear();
    const pg = this.d.pgtable;
    for (const pfn of tables) pg.tableDtor(pfn);
    for (let i = 0; i < tables.length; i += MAX_TABLE_BATCH) {
      const batch = tables.slice(i, i + MAX_TABLE_BATCH);
      // tlb_table_flush → call_rcu(tlb_remove_table_rcu).
      this.d.rcu.callRcu(() => {
        for (const pfn of batch) pg.tableFree(pfn);
      });
    }
    // remove_vma: unlink_anon_vmas, then vm_area_free (RCU-delayed under CONFIG_PER_VMA_LOCK).
    const s = this.d.slab;
    for (const vma of mm.vmas) {
      for (const avc of vma.avcs) s.kmemCacheFree(this.avcCache, avc);
      for (const a of vma.linked) if (--a.refs === 0) s.kmemCacheFree(this.anonVmaCache, a.obj);
      const obj = vma.obj;
      const lock = vma.lockObj;
      this.d.rcu.callRcu(() => {
        s.kmemCacheFree(this.vmaLockCache, lock);
        s.kmemCacheFree(this.vmaCache, obj);
      });
    }
    mm.vmas.length = 0;
  }
}

function findVma(mm: MmStruct, addr: number): Vma | undefined {
  for (const v of mm.vmas) if (addr >= v.start && addr < v.end) return v;
  return undefined;
}
