/**
 * Event counters of one run: plain numeric fields, incremented on hot paths with `+=`.
 *
 * Counts are split by origin — which kind of kernel memory the work was done for — so that a
 * policy's effect (e.g. no tagging of thread stacks) shows up where it belongs. The run keeps
 * one CounterSet per origin and a `cur` reference that the allocator paths switch while they
 * work on behalf of an origin; lower layers only ever write `counters.cur.<field> += n`.
 *
 * This file only counts; turning counts into time is the cost profiles' job.
 */
export class CounterSet {
  // --- arch: MTE instructions (arch/arm64 asm/mte-kasan.h helpers) ---
  irg = 0;
  addg = 0;
  subg = 0;
  ldg = 0;
  stg = 0;
  st2g = 0;
  stzg = 0;
  stz2g = 0;
  dcGva = 0;
  dcGzva = 0;
  /** STGM instructions (mte_clear_page_tags: one per GMID_EL1 block, 4096 / block size per page). */
  stgm = 0;
  /** Granules whose allocation tag was written (by any tag-setting instruction). */
  granulesTagged = 0;
  /** Bytes zeroed, by whichever path (STZG/DC GZVA, clear_page, memset). */
  bytesZeroed = 0;
  /** Bytes zeroed as a side effect of tag-setting instructions (STZG/STZ2G/DC GZVA). */
  bytesZeroedByTagging = 0;
  /** Bytes zeroed by whole-page clear_page() (DC ZVA): kernel_init_pages, init_vmalloc_pages, plain tag_clear_highpage. */
  bytesZeroedByClearPage = 0;
  /** Tag-checked memory accesses executed (hw_tags: by the CPU). */
  tagChecks = 0;
  /** Accesses that skipped the check: match-all pointer (TCMA1), TCO set or TCF none. */
  tagChecksSkipped = 0;
  tagFaultsSync = 0;
  tagFaultsAsync = 0;

  // --- kasan: software modes ---
  /** Instrumented accesses checked against shadow memory (generic, sw_tags). */
  shadowChecks = 0;
  /** Shadow bytes written by poison/unpoison. */
  shadowBytesWritten = 0;
  /** Software tag LCG draws (sw_tags kasan_random_tag). */
  lcgTags = 0;
  quarantinePuts = 0;
  quarantineReduces = 0;
  quarantineObjectsFreed = 0;
  reports = 0;
  /** Reports not produced: one-shot already reported, or kasan_depth suppression. */
  reportsSuppressed = 0;
  /** Bytes put into the Generic quarantine (cache->size per object). */
  quarantineBytesPut = 0;
  /** WARN_ON()s hit inside KASAN (misaligned kasan_poison/kasan_unpoison arguments). */
  kasanWarnings = 0;

  // --- kasan: stack collection ---
  stackTracesSaved = 0;
  framesUnwound = 0;
  framesCopiedScs = 0;
  depotLookups = 0;
  depotInserts = 0;
  /** stack_depot_save_flags() calls (each runs filter_irq_stacks() over its entries first). */
  depotSaves = 0;
  /** Entries filter_irq_stacks() examined: up to and including the first irq-entry frame. */
  filterIrqStacksEntries = 0;
  depotPoolsAllocated = 0;
  stackRingInserts = 0;
  /** Traces collected by copying the Shadow Call Stack (seed 004; also in stackTracesSaved). */
  stackTracesSavedScs = 0;
  /** Traces collected with seed 004's __noscs-marked SCS helpers (also in stackTracesSaved). */
  stackTracesSavedNoscs = 0;
  /** SCS slots copied by those __noscs traces (also in framesCopiedScs). */
  framesCopiedScsNoscs = 0;

  // --- mm: page allocator ---
  pageAllocs = 0;
  pageFrees = 0;
  /** 4 KiB pages handed out (2^order per allocation). */
  pagesAllocated = 0;
  pagesFreed = 0;
  pcpHits = 0;
  buddySplits = 0;
  buddyMerges = 0;
  kasanUnpoisonPages = 0;
  kasanPoisonPages = 0;
  kasanSkippedUnpoison = 0;
  kasanSkippedPoison = 0;
  tagClearHighpage = 0;
  kernelInitPages = 0;
  /** kasan_unpoison_pages calls that returned false (hw_tags page_alloc sampling skipped them). */
  kasanUnpoisonSampledOut = 0;
  /** alloc_pages that found no free block (NULL returned). */
  pageAllocFailures = 0;
  /** Per-CPU list refills from the buddy lists (rmqueue_bulk). */
  pcpRefills = 0;
  /** Per-CPU list spills back to the buddy lists (free_pcppages_bulk). */
  pcpBulkFrees = 0;
  /** Pages moved from the buddy lists onto per-CPU lists by those refills. */
  pcpPagesRefilled = 0;
  /** Pages moved from per-CPU lists back to the buddy lists by those spills. */
  pcpPagesBulkFreed = 0;

  // --- mm: slab ---
  slabAllocs = 0;
  slabFrees = 0;
  slabsAllocated = 0;
  slabsFreed = 0;
  kmallocLarge = 0;

  // --- mm: vmalloc ---
  vmallocs = 0;
  vfrees = 0;
  vmapAreaAllocs = 0;
  vmapPurges = 0;
  /** Lazily freed areas a purge put into a node's pool (node_pool_add_va). */
  vmapPurgedToPool = 0;
  /** Lazily freed areas a purge merged back into the free space (merge_or_add_vmap_area_augment). */
  vmapPurgedToFree = 0;
  tlbFlushes = 0;

  // --- kernel: tasks, stacks, page tables, RCU ---
  stackCacheHits = 0;
  stackCacheMisses = 0;
  rcuCallbacks = 0;
  forks = 0;
  threadsCreated = 0;
  exits = 0;
  pageFaults = 0;
  pageTableAllocs = 0;
  pageTableFrees = 0;
  /** Present PTEs copied into a child's page tables by copy_page_range (fork). */
  ptesCopied = 0;
  /** Present PTEs cleared by zap_pte_range (exit_mmap, munmap). */
  ptesZapped = 0;
}

export type CounterName = keyof CounterSet;

/** Field names in declaration order (the order JSON and tables print them in). */
export const COUNTER_NAMES: readonly CounterName[] = Object.keys(new CounterSet()) as CounterName[];

export const ORIGINS = ["threadStack", "pageTable", "slab", "vmalloc", "userPage", "other"] as const;
export type Origin = (typeof ORIGINS)[number];

export class Counters {
  readonly byOrigin: Record<Origin, CounterSet>;
  /** The set that lower layers write to; switched by `enter`/`leave`. */
  cur: CounterSet;
  /**
   * Saved `cur`s of the open enter()s, slots [0, depth). Slots are reused rather than pushed
   * and popped: an array that keeps going back to empty reallocates its backing store.
   */
  private readonly stack: CounterSet[] = [];
  private depth = 0;

  constructor() {
    this.byOrigin = {
      threadStack: new CounterSet(),
      pageTable: new CounterSet(),
      slab: new CounterSet(),
      vmalloc: new CounterSet(),
      userPage: new CounterSet(),
      other: new CounterSet(),
    };
    this.cur = this.byOrigin.other;
  }

  /** Attribute subsequent counts to `origin` until the matching `leave()`. */
  enter(origin: Origin): void {
    const d = this.depth;
    if (d === this.stack.length) this.stack.push(this.cur);
    else this.stack[d] = this.cur;
    this.depth = d + 1;
    this.cur = this.byOrigin[origin];
  }

  leave(): void {
    const d = this.depth - 1;
    if (d < 0) throw new Error("Counters.leave() without enter()");
    this.depth = d;
    this.cur = this.stack[d];
  }

  /** Sum over all origins. */
  total(): CounterSet {
    const t = new CounterSet();
    for (const o of ORIGINS) addInto(t, this.byOrigin[o]);
    return t;
  }

  reset(): void {
    for (const o of ORIGINS) Object.assign(this.byOrigin[o], new CounterSet());
  }
}

export function addInto(into: CounterSet, from: CounterSet): void {
  for (const k of COUNTER_NAMES) into[k] += from[k];
}

/** A plain object of every counter, in declaration order (for JSON output). */
export function toRecord(c: CounterSet): Record<CounterName, number> {
  const r = {} as Record<CounterName, number>;
  for (const k of COUNTER_NAMES) r[k] = c[k];
  return r;
}

/** The inverse of toRecord. */
export function fromRecord(r: Readonly<Record<CounterName, number>>): CounterSet {
  const c = new CounterSet();
  for (const k of COUNTER_NAMES) c[k] = r[k];
  return c;
}
