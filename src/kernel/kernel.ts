/**
 * A booted simulated kernel: the subsystems of one run wired together the way the kernel's
 * start_kernel() brings them up — memmap, KASAN (kasan_init / kasan_init_hw_tags), the buddy
 * allocator, RCU, SLUB (kmem_cache_init), vmalloc (vmalloc_init) — plus the per-run state
 * (seeded PRNG, counters, current CPU/task).
 *
 *   const k = bootKernel({ mode: "hw_tags", cmdline: "kasan.mode=sync", seed: 1 });
 *   const p = k.slab.kmalloc(123, GFP_KERNEL);
 *   k.access.write(p + 128, 1);            // out of bounds: a report lands in k.reports.events
 */
import { Mte } from "../arch/mte/mte.js";
import { MteArchPageOps } from "../arch/mte/arch-page-ops.js";
import type { Ptr } from "../arch/pointer.js";
import type { BootParams } from "../config/boot-params.js";
import { parseCmdline } from "../config/cmdline.js";
import type { KasanMode } from "../config/mode.js";
import { defaultKernelConfig, type KernelConfig } from "../config/kconfig.js";
import { Counters } from "../cost/counters.js";
import { createKasan, type Kasan } from "../kasan/kasan.js";
import type { KasanAccess } from "../kasan/common/access.js";
import type { KasanReportSink } from "../kasan/report/sink.js";
import { ExecContext } from "../lib/context.js";
import { Prng } from "../lib/prng.js";
import { CountingArchPageOps, type ArchPageOps } from "../mm/arch-page-ops.js";
import { PHYS_PFN_OFFSET, pfnToOffset } from "../mm/memory-layout.js";
import { createPageArray, PageAllocator } from "../mm/page_alloc/page-allocator.js";
import { SlabAllocator, slubRcuDebugDefault } from "../mm/slab/slab-allocator.js";
import type { KmemCache } from "../mm/slab/kmem-cache.js";
import { Vmalloc } from "../mm/vmalloc/vmalloc.js";
import type { VmallocSlab } from "../mm/vmalloc/interfaces.js";
import { Rcu } from "../rcu/rcu.js";
import { BASELINE_POLICY, __GFP_TAGGED, type TaggingPolicy } from "../policy/index.js";
import { MmAddressDescriber } from "./address-describer.js";
import { createStackDepot, type StackCollection } from "./stack-depot.js";
import type { StackDepot } from "../lib/stackdepot/stack-depot.js";
import type { PageArray } from "../mm/page_alloc/page-array.js";

export interface BootOptions {
  mode: KasanMode;
  /** Kernel command line (boot parameters), parsed like the kernel's. */
  cmdline?: string;
  /** Seed of every random choice of the run (default 1). */
  seed?: number;
  /** Simulated RAM in bytes (default 2 GiB). */
  memoryBytes?: number;
  /** Online CPUs (default 2, like the reference traces' QEMU machine). */
  nrCpus?: number;
  /** CONFIG_SLUB_RCU_DEBUG (default: on for generic and sw_tags, as Kconfig defaults it). */
  slubRcuDebug?: boolean;
  /**
   * The build's `.config` (src/config/kconfig-parse.ts; default defaultKernelConfig(mode)). Its
   * kasanMode must equal `mode`. CONFIG_NR_CPUS bounds `nrCpus` and sizes the quarantine's batch
   * ring; CONFIG_KASAN_VMALLOC and CONFIG_SLUB_RCU_DEBUG come from it (`slubRcuDebug` overrides).
   */
  config?: KernelConfig;
  /** Seed 002's __GFP_SKIP_KASAN handling in vmalloc (policies set this; default 6.12 as is). */
  vmallocSkipKasan?: "none" | "v1" | "v2";
  /** Tagging policy (src/policy; default baseline). Sets vmallocSkipKasan unless that is given. */
  policy?: TaggingPolicy;
  /** How KASAN collects alloc/free stacks (seed 004's flavours; default "unwinder"). */
  stacks?: StackCollection;
  /** Save stacks in the stack depot (default true; false = the seed's no-stack-depot flavour). */
  stackDepot?: boolean;
}

export class Kernel {
  readonly mode: KasanMode;
  readonly params: BootParams;
  /** Messages the kernel prints while parsing the command line (unknown parameters, bad values). */
  readonly bootWarnings: readonly string[];
  readonly seed: number;
  /** The build configuration (CONFIG_* options the model reads). */
  readonly config: KernelConfig;
  readonly ctx: ExecContext;
  readonly counters: Counters;
  /** The Arm MTE model (hw_tags only). */
  readonly mte: Mte | undefined;
  readonly kasan: Kasan;
  readonly pages: PageAllocator;
  readonly rcu: Rcu;
  readonly slab: SlabAllocator;
  readonly vmalloc: Vmalloc;
  /** struct page array (dump_page, page tags). */
  readonly memmap: PageArray;
  /** lib/stackdepot.c instance KASAN saves its stacks in (undefined with KASAN off or depot off). */
  readonly stackDepot: StackDepot | undefined;
  /** The tagging policy this kernel was booted with (read by kernel/ fork, mm/ page tables). */
  readonly policy: TaggingPolicy;
  /** Messages the allocators WARN() with (vmalloc's unexpected-gfp warning, SLUB complaints). */
  readonly warnings: string[] = [];

  constructor(opts: BootOptions) {
    this.mode = opts.mode;
    this.seed = opts.seed ?? 1;
    this.policy = opts.policy ?? BASELINE_POLICY;
    const nrCpus = opts.nrCpus ?? 2;
    // Without a .config, the SCS stack flavours imply CONFIG_SHADOW_CALL_STACK=y (seed 004's kernels).
    this.config = opts.config ?? { ...defaultKernelConfig(opts.mode), shadowCallStack: opts.stacks === "scs" || opts.stacks === "scs-noscs" };
    if (this.config.kasanMode !== opts.mode) throw new Error(`bootKernel: mode ${opts.mode} differs from config.kasanMode ${this.config.kasanMode}`);
    // nr_cpu_ids never exceeds CONFIG_NR_CPUS.
    if (nrCpus > this.config.nrCpus) throw new RangeError(`bootKernel: nrCpus ${nrCpus} exceeds CONFIG_NR_CPUS=${this.config.nrCpus}`);
    const memoryBytes = opts.memoryBytes ?? 2 * 2 ** 30;
    const { params, warnings } = parseCmdline(opts.mode, opts.cmdline ?? "");
    this.params = params;
    this.bootWarnings = warnings;
    this.ctx = new ExecContext(nrCpus);
    this.counters = new Counters();
    const prng = new Prng(this.seed);

    const memmap = createPageArray(memoryBytes);
    this.memmap = memmap;
    this.mte = opts.mode === "hw_tags" ? new Mte({ nrCpus, prng: prng.fork("mte-irg"), counters: this.counters }) : undefined;
    this.kasan = createKasan(opts.mode, params, {
      counters: this.counters,
      ctx: this.ctx,
      prng: prng.fork("kasan"),
      pageTags: memmap,
      totalRamPages: memoryBytes / 4096,
      mte: this.mte,
      configNrCpus: this.config.nrCpus,
      kasanVmalloc: this.config.kasanVmalloc,
    });
    const tagging = this.mte !== undefined && this.kasan.hooks.hwTagsEnabled;
    const arch: ArchPageOps = tagging && this.mte !== undefined ? new MteArchPageOps(this.mte, PHYS_PFN_OFFSET) : new CountingArchPageOps(this.counters);
    this.pages = new PageAllocator({
      memoryBytes,
      nrCpus,
      hooks: this.kasan.hooks,
      arch,
      counters: this.counters,
      ctx: this.ctx,
      initOnAlloc: params.initOnAlloc,
      initOnFree: params.initOnFree,
      mode: opts.mode,
      pages: memmap,
      untaggedByDefault: this.policy.untaggedByDefault,
    });
    this.rcu = new Rcu({ nrCpus, counters: this.counters });
    this.slab = new SlabAllocator({
      pages: this.pages,
      hooks: this.kasan.hooks,
      counters: this.counters,
      ctx: this.ctx,
      rcu: this.rcu,
      mode: opts.mode,
      nrCpus,
      initOnAlloc: params.initOnAlloc,
      initOnFree: params.initOnFree,
      slubRcuDebug: opts.slubRcuDebug ?? opts.config?.slubRcuDebug ?? slubRcuDebugDefault(opts.mode),
      kmallocLargeExtraGfp: this.policy.untaggedByDefault ? __GFP_TAGGED : 0,
    });
    this.kasan.setQuarantineRelease((cache, object) => this.slab.freeFromQuarantine(cache, object));
    this.vmalloc = new Vmalloc({
      pages: this.pages,
      slab: vmallocSlabAdapter(this.slab),
      hooks: this.kasan.hooks,
      counters: this.counters,
      ctx: this.ctx,
      mode: opts.mode,
      initOnAlloc: params.initOnAlloc,
      initOnFree: params.initOnFree,
      skipKasanHandling: opts.vmallocSkipKasan ?? this.policy.vmallocSkipKasan,
      warn: (msg) => this.warnings.push(msg),
    });
    this.kasan.setAddressDescriber(new MmAddressDescriber(this.pages, this.slab, this.vmalloc));
    // stack_depot_early_init() and kasan_save_stack(): stacks saved from here on get real handles.
    // Without CONFIG_SHADOW_CALL_STACK the SCS flavours fall back to the unwinder (the RFC's -ENOSYS path).
    const depot = createStackDepot(this, { stacks: opts.stacks, stackDepot: opts.stackDepot, shadowCallStack: this.config.shadowCallStack }, this.config.stackdepotMaxFrames);
    this.stackDepot = depot.depot;
    if (depot.saver !== undefined) this.kasan.setStackSaver(depot.saver);
    if (this.mte !== undefined) {
      // vmalloc mappings alias their backing frames: tags live with the physical page.
      const vmalloc = this.vmalloc;
      this.mte.setMappingLookup({
        vmallocTaggedPhys(pageOffset: number): number {
          const pfn = vmalloc.taggedPfnAt(pageOffset);
          return pfn < 0 ? -1 : pfnToOffset(pfn);
        },
      });
    }
  }

  /** Instrumented (and explicitly uninstrumented) memory accesses of simulated kernel code. */
  get access(): KasanAccess {
    return this.kasan.access;
  }

  /** KASAN reports raised so far. */
  get reports(): KasanReportSink {
    return this.kasan.reports;
  }

  /** Run `fn` as CPU `cpu` (smp_processor_id()), restoring the previous CPU afterwards. */
  onCpu<T>(cpu: number, fn: () => T): T {
    if (!Number.isInteger(cpu) || cpu < 0 || cpu >= this.ctx.nrCpus) throw new RangeError(`cpu: expected 0..${this.ctx.nrCpus - 1}, got ${cpu}`);
    const prev = this.ctx.cpu;
    this.ctx.cpu = cpu;
    try {
      return fn();
    } finally {
      this.ctx.cpu = prev;
    }
  }
}

export function bootKernel(opts: BootOptions): Kernel {
  return new Kernel(opts);
}

/** vmalloc's metadata allocations go to SLUB (call sites are symbol strings there, ips here). */
function vmallocSlabAdapter(slab: SlabAllocator): VmallocSlab<KmemCache> {
  return {
    kmalloc: (size: number, gfp: number): Ptr => slab.kmalloc(size, gfp),
    kfree: (ptr: Ptr): void => slab.kfree(ptr),
    kmemCacheCreate: (name: string, size: number, align: number, flags: number): KmemCache => slab.kmemCacheCreate(name, size, align, flags),
    kmemCacheAlloc: (cache: KmemCache, gfp: number): Ptr => slab.kmemCacheAlloc(cache, gfp),
    kmemCacheFree: (cache: KmemCache, ptr: Ptr): void => slab.kmemCacheFree(cache, ptr),
  };
}
