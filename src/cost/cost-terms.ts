/**
 * The cost keys the model knows: every kind of work a run counts, with the unit its cost is
 * given in and how its count is derived from a CounterSet (a linear combination of counters,
 * plus workload counts that are not counters). A cost profile gives one constant per key, and
 * time = Σ count × cost.
 *
 * Counters that are not work (reports, decisions, page totals already priced elsewhere) are
 * listed in NOT_COSTED with the reason, so every counter is either costed or excluded on purpose.
 */
import type { KasanMode } from "../config/mode.js";
import type { CounterName } from "./counters.js";

/** Counts a workload supplies that no counter holds (not simulated one by one). */
export const EXTRA_COUNTS = {
  ordinaryAccesses: "ordinary (compiler-instrumented) kernel memory accesses not simulated one by one, e.g. the estimate for a boot",
  boots: "boots in the workload (1 for one boot), for the fixed work of a boot the model does not simulate",
} as const;
export type ExtraCountName = keyof typeof EXTRA_COUNTS;
export const EXTRA_COUNT_NAMES = Object.keys(EXTRA_COUNTS) as ExtraCountName[];

export interface CostTerm {
  readonly key: string;
  /** The unit the profile must give the constant in (checked when a profile is loaded). */
  readonly unit: string;
  readonly description: string;
  /** count = Σ coef × counter … */
  readonly counters: Readonly<Partial<Record<CounterName, number>>>;
  /** … + Σ coef × workload count. */
  readonly extra?: Readonly<Partial<Record<ExtraCountName, number>>>;
  /** Only counted in runs of these KASAN modes (default: every mode). */
  readonly modes?: readonly KasanMode[];
  /**
   * A workload constant the cost is multiplied by (e.g. stackCollectionScale: the factor between
   * a qemu-user microbenchmark and the same work in a qemu-system guest kernel).
   */
  readonly scaledBy?: string;
  /** Only counted for kernels built with this KASAN instrumentation type (software modes). */
  readonly instrumentation?: KasanInstrumentation;
  /**
   * The kernel release ("major.minor") that introduced this work; a kernel older than that
   * (EstimateOptions.kernel) does not do it, so the term is not counted there.
   */
  readonly since?: string;
}

/** CONFIG_KASAN_OUTLINE (Kconfig's default choice) or CONFIG_KASAN_INLINE. */
export type KasanInstrumentation = "outline" | "inline";

const PER_INSN = "ns/instruction";
/** Scale of the stack-collection figures (see WORKLOAD_CONSTANTS). */
const SCALE = "stackCollectionScale";

function term(key: string, unit: string, description: string, counters: CostTerm["counters"], more: Partial<Pick<CostTerm, "extra" | "modes" | "scaledBy" | "instrumentation" | "since">> = {}): CostTerm {
  return { key, unit, description, counters, ...more };
}

export const COST_TERMS: readonly CostTerm[] = [
  // --- arch: MTE instructions (the tag-setting ones include their zeroing) ---
  term("irg", PER_INSN, "IRG: random tag (hw_tags kasan_random_tag)", { irg: 1 }),
  term("addg", PER_INSN, "ADDG/SUBG: tag arithmetic", { addg: 1, subg: 1 }),
  term("ldg", PER_INSN, "LDG: read one granule's allocation tag", { ldg: 1 }),
  term("stg", PER_INSN, "STG: tag one 16-byte granule", { stg: 1 }),
  term("st2g", PER_INSN, "ST2G: tag two granules", { st2g: 1 }),
  term("stzg", PER_INSN, "STZG: tag and zero one granule", { stzg: 1 }),
  term("stz2g", PER_INSN, "STZ2G: tag and zero two granules", { stz2g: 1 }),
  term("dcGva", PER_INSN, "DC GVA: tag one DCZID block", { dcGva: 1 }),
  term("dcGzva", PER_INSN, "DC GZVA: tag and zero one DCZID block", { dcGzva: 1 }),
  term("stgm", PER_INSN, "STGM: set the tags of one GMID_EL1 block (mte_clear_page_tags)", { stgm: 1 }),

  // --- zeroing not done by tag-setting instructions ---
  term("clearPage", "ns/page", "clear_page(): DC ZVA over one 4 KiB page (kernel_init_pages, init_vmalloc_pages, plain tag_clear_highpage)", {
    bytesZeroedByClearPage: 1 / 4096,
  }),
  term("memsetZero", "ns/byte", "memset() zeroing: all zeroed bytes minus those zeroed by tagging or clear_page (slab init, __GFP_ZERO objects, kfree_sensitive)", {
    bytesZeroed: 1,
    bytesZeroedByTagging: -1,
    bytesZeroedByClearPage: -1,
  }),

  // --- memory accesses and their checks ---
  term(
    "memoryAccess",
    "ns/access",
    "an ordinary kernel load/store, no checking (every mode pays it): the simulated accesses, counted by the check they went through, plus the workload's ordinary accesses",
    { tagChecks: 1, tagChecksSkipped: 1, shadowChecks: 1 },
    { extra: { ordinaryAccesses: 1 } },
  ),
  term("hwTagCheck", "ns/access", "hw_tags: extra per access over memoryAccess when the CPU compares tags (tagged pointer)", { tagChecks: 1 }, { modes: ["hw_tags"] }),
  term("hwTagCheckSkipped", "ns/access", "hw_tags: extra per access over memoryAccess with tag checking on but the check skipped (match-all pointer, TCO)", { tagChecksSkipped: 1 }, { modes: ["hw_tags"] }),
  term("hwOrdinaryAccess", "ns/access", "hw_tags: extra per ordinary access over memoryAccess with tag checking on (a mix of tagged and match-all pointers)", {}, {
    extra: { ordinaryAccesses: 1 },
    modes: ["hw_tags"],
  }),
  term("genericShadowCheck", "ns/access", "generic: the compiler's check before an access as KASAN_OUTLINE (Kconfig's default) builds it: a call to __asan_loadN/__asan_storeN", { shadowChecks: 1 }, {
    extra: { ordinaryAccesses: 1 },
    modes: ["generic"],
    instrumentation: "outline",
  }),
  term("swTagsShadowCheck", "ns/access", "sw_tags: the compiler's check before an access as KASAN_OUTLINE builds it: a call to __hwasan_loadN/__hwasan_storeN", { shadowChecks: 1 }, {
    extra: { ordinaryAccesses: 1 },
    modes: ["sw_tags"],
    instrumentation: "outline",
  }),
  term("genericShadowCheckInline", "ns/access", "generic: the compiler's inline shadow check before an access (KASAN_INLINE)", { shadowChecks: 1 }, {
    extra: { ordinaryAccesses: 1 },
    modes: ["generic"],
    instrumentation: "inline",
  }),
  term("swTagsShadowCheckInline", "ns/access", "sw_tags: the compiler's inline tag check before an access (KASAN_INLINE)", { shadowChecks: 1 }, {
    extra: { ordinaryAccesses: 1 },
    modes: ["sw_tags"],
    instrumentation: "inline",
  }),

  // --- kasan: software modes ---
  term("shadowByteWrite", "ns/byte", "shadow bytes written by kasan_poison/kasan_unpoison (a memset of the shadow)", { shadowBytesWritten: 1 }),
  term("lcgTag", "ns/draw", "sw_tags kasan_random_tag(): one per-CPU LCG draw", { lcgTags: 1 }),
  term("quarantinePut", "ns/object", "generic quarantine_put(): queue one freed object", { quarantinePuts: 1 }),
  term("quarantineReduce", "ns/call", "generic quarantine_reduce(): one batch taken off the global quarantine (the objects' frees are in quarantineObjectFree)", { quarantineReduces: 1 }),
  term("quarantineObjectFree", "ns/object", "generic qlist_free_all(): per object leaving the quarantine, beyond the slab free it then does", { quarantineObjectsFreed: 1 }),

  // --- kasan: stack collection, stack depot, stack ring ---
  term("stackTraceFixed", "ns/trace", "kasan_save_stack() through stack_trace_save(): per-trace work of an unwinder trace beyond its frames (arch_stack_walk set-up); the depot's filter_irq_stacks is filterIrqStacks", { stackTracesSaved: 1, stackTracesSavedScs: -1 }, { scaledBy: SCALE }),
  term("scsTraceFixed", "ns/trace", "seed 004's stack_trace_save_shadow(): per-trace work of an SCS trace beyond its slots", { stackTracesSavedScs: 1 }, { scaledBy: SCALE }),
  term("unwindFrame", "ns/frame", "frame-pointer unwinder: one frame record visited", { framesUnwound: 1 }, { scaledBy: SCALE }),
  term("scsCopyFrame", "ns/frame", "Shadow Call Stack copy (seed 004): one SCS slot copied", { framesCopiedScs: 1 }, { scaledBy: SCALE }),
  term("scsNoscsTrace", "ns/trace", "seed 004's __noscs flavour: extra per trace, stack_trace_save_shadow no longer inlined into kasan_save_stack", { stackTracesSavedNoscs: 1 }, { scaledBy: SCALE }),
  term("scsNoscsFrame", "ns/frame", "seed 004's __noscs flavour: extra per SCS slot for the per-frame helper no longer inlined", { framesCopiedScsNoscs: 1 }, { scaledBy: SCALE }),
  // stack_depot_save_flags() filters every trace it is given, so only flavours that call the
  // depot pay the filter (seed 004's master-no-stack-depot collects without it).
  term("filterIrqStacks", "ns/call", "filter_irq_stacks(): the call stack_depot_save_flags() makes before anything else", { depotSaves: 1 }, { scaledBy: SCALE }),
  term("filterIrqStacksEntry", "ns/entry", "filter_irq_stacks(): one entry loaded and tested against .irqentry.text", { filterIrqStacksEntries: 1 }, { scaledBy: SCALE }),
  term("depotLookup", "ns/lookup", "stack depot find_stack() including the trace's jhash2 (a typical trace)", { depotLookups: 1 }, { scaledBy: SCALE }),
  term("depotInsert", "ns/insert", "stack depot: copy a new trace into a pool record and link it", { depotInserts: 1 }, { scaledBy: SCALE }),
  // The stack ring replaced the tag modes' per-object alloc/free tracks in Linux 6.1; before it,
  // recording a track was two stores into the object's metadata, left unpriced like Generic's.
  term("stackRingInsert", "ns/insert", "tag modes: one stack ring entry written (save_stack_info)", { stackRingInserts: 1 }, { scaledBy: SCALE, since: "6.1" }),

  // --- mm: page allocator ---
  term("pageAlloc", "ns/call", "alloc_pages() fast path: a block taken from the per-CPU lists and prepared (hooks' work priced separately)", { pageAllocs: 1 }),
  // Priced per 63 pages moved (the batch the benchmark times), so a larger batch costs more.
  term("pcpRefill", "ns/call", "page allocator slow path: rmqueue_bulk() refilling a per-CPU list from the buddy lists, counted in 63-page refills", { pcpPagesRefilled: 1 / 63 }),
  term("buddySplit", "ns/split", "buddy allocator: one block split (expand)", { buddySplits: 1 }),
  term("buddyMerge", "ns/merge", "buddy allocator: one merge with a free buddy", { buddyMerges: 1 }),
  term("pageFree", "ns/call", "__free_pages() fast path: a block put on the per-CPU lists", { pageFrees: 1 }),
  term("pcpBulkFree", "ns/call", "free_pcppages_bulk(): per-CPU pages spilled back to the buddy lists, counted in 63-page spills", { pcpPagesBulkFreed: 1 / 63 }),

  // --- mm: slab ---
  term("slabAlloc", "ns/object", "SLUB allocation fast path (kmalloc/kmem_cache_alloc), hooks' work priced separately", { slabAllocs: 1 }),
  term("slabFree", "ns/object", "SLUB free fast path", { slabFrees: 1 }),
  term("newSlab", "ns/slab", "allocate_slab(): set up a new slab (its pages priced as page allocations)", { slabsAllocated: 1 }),
  term("discardSlab", "ns/slab", "discard_slab(): tear down an empty slab", { slabsFreed: 1 }),
  term("kmallocLarge", "ns/call", "kmalloc of a size above KMALLOC_MAX_CACHE_SIZE (pages priced separately)", { kmallocLarge: 1 }),

  // --- mm: vmalloc ---
  term("vmalloc", "ns/call", "__vmalloc_node_range(): bookkeeping and page mapping (pages and area priced separately)", { vmallocs: 1 }),
  term("vmapArea", "ns/area", "alloc_vmap_area(): one virtual area found and inserted", { vmapAreaAllocs: 1 }),
  term("vfree", "ns/call", "vfree(): unmap and release (pages priced as page frees)", { vfrees: 1 }),
  term("vmapPurge", "ns/purge", "__purge_vmap_area_lazy(): a purge's own work (pool decay scan, lazy lists taken), apart from its areas", { vmapPurges: 1 }),
  term("vmapPurgePoolArea", "ns/area", "purge_vmap_node(): one lazily freed area put into its node's pool", { vmapPurgedToPool: 1 }),
  term("vmapPurgeFreeArea", "ns/area", "purge_vmap_node(): one lazily freed area merged back into the free space", { vmapPurgedToFree: 1 }),
  term("tlbFlush", "ns/flush", "flush_tlb_kernel_range(): one kernel TLB flush", { tlbFlushes: 1 }),

  // --- kernel: tasks, page tables, RCU, boot ---
  term("rcuCallback", "ns/callback", "one RCU callback invoked", { rcuCallbacks: 1 }),
  term("forkExitFixed", "ns/fork", "fork() of a process and its exit, apart from the allocations the model counts", { forks: 1 }),
  term("threadCreateExitFixed", "ns/thread", "clone() of a thread and its exit, apart from the allocations the model counts", { threadsCreated: 1 }),
  term("pageFault", "ns/fault", "one user page fault, apart from the page allocation", { pageFaults: 1 }),
  term("pageTableAlloc", "ns/page", "one page-table page set up (constructor, accounting; the page priced as a page allocation)", { pageTableAllocs: 1 }),
  term("pageTableFree", "ns/page", "one page-table page torn down", { pageTableFrees: 1 }),
  term("pteCopy", "ns/pte", "copy_present_pte(): one present PTE copied at fork (write-protected, page refcount and mapcount up)", { ptesCopied: 1 }),
  term("pteZap", "ns/pte", "zap_pte_range(): one present PTE cleared at exit (mapcount and refcount down, rmap)", { ptesZapped: 1 }),
  term("bootFixed", "ns/boot", "the work of a boot the model does not simulate (drivers, initcalls, …)", {}, { extra: { boots: 1 } }),
];

/**
 * Workload constants: numbers a profile may fit that are counts, not costs. An extra count
 * passed to the evaluator may name one instead of giving a number.
 */
export const WORKLOAD_CONSTANTS: readonly { readonly key: string; readonly unit: string; readonly description: string }[] = [
  { key: "bootOrdinaryAccesses", unit: "accesses/boot", description: "ordinary (instrumented) kernel memory accesses of one boot, for `ordinaryAccesses`" },
  {
    key: "stackCollectionScale",
    unit: "x",
    description: "factor from the stack-collection microbenchmarks (unwinder frame, SCS slot, depot, ring) to the same work in the profiled platform's kernel; the benchmarks fix the ratios between them, this the scale",
  },
];

/** Counters that are not priced, and why (a test checks every counter is costed or here). */
export const NOT_COSTED: Readonly<Partial<Record<CounterName, string>>> = {
  granulesTagged: "the tag-setting instructions that tagged them are priced",
  bytesZeroedByTagging: "zeroing by STZG/STZ2G/DC GZVA is part of those instructions' cost",
  tagFaultsSync: "error path (a report), not steady-state work",
  tagFaultsAsync: "error path (a report), not steady-state work",
  reports: "error path; printing a report is not modelled in time",
  reportsSuppressed: "error path",
  kasanWarnings: "error path (WARN_ON)",
  quarantineBytesPut: "memory accounting, not work",
  depotPoolsAllocated: "the pool's pages are priced as page allocations",
  pagesAllocated: "per-page work is priced by what was done to the pages (tagging, zeroing)",
  pagesFreed: "per-page work is priced by what was done to the pages (poisoning, zeroing)",
  pcpHits: "included in pageAlloc (every allocation takes a block from a per-CPU list)",
  pcpRefills: "pcpRefill is priced by the pages moved (pcpPagesRefilled), which is what its cost scales with",
  pcpBulkFrees: "pcpBulkFree is priced by the pages moved (pcpPagesBulkFreed)",
  kasanUnpoisonPages: "the hook's work is its tag instructions / shadow writes",
  kasanPoisonPages: "the hook's work is its tag instructions / shadow writes",
  kasanSkippedUnpoison: "a decision, no work",
  kasanSkippedPoison: "a decision, no work",
  kasanUnpoisonSampledOut: "a decision, no work",
  tagClearHighpage: "its zeroing is priced as DC GZVA (MTE) or clearPage",
  kernelInitPages: "its zeroing is priced as clearPage",
  pageAllocFailures: "error path",
  stackCacheHits: "a list pop; the miss path's vmalloc is priced",
  stackCacheMisses: "the vmalloc it leads to is priced",
  exits: "included in forkExitFixed / threadCreateExitFixed (every task created here exits)",
};

const BY_KEY = new Map(COST_TERMS.map((t) => [t.key, t]));

export function costTerm(key: string): CostTerm | undefined {
  return BY_KEY.get(key);
}

/** Unit of a cost key or workload constant; undefined when `key` is neither. */
export function unitOf(key: string): string | undefined {
  return BY_KEY.get(key)?.unit ?? WORKLOAD_CONSTANTS.find((w) => w.key === key)?.unit;
}
