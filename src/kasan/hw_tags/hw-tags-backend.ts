/**
 * Hardware tag-based KASAN (CONFIG_KASAN_HW_TAGS, mm/kasan/hw_tags.c, the HW inlines of
 * mm/kasan/kasan.h, report_hw_tags.c, tags.c) on the Arm MTE model of src/arch.
 *
 * There is no shadow and no compiler instrumentation: kasan_poison/kasan_unpoison are
 * mte_set_mem_tag_range (STG/STZG + DC GVA/GZVA, `init` zeroing in the same pass, so
 * kasan_has_integrated_init() is true), random tags come from IRG (0xF0–0xFD), and every access
 * is checked by the CPU against the allocation tags. A mismatch is a tag check fault that the
 * arch hands to the fault handler registered here (sync → kasan_report with size 0, after which
 * the CPU's checks are off until kasan_enable_hw_tags(); async → TFSR_EL1, reported at a check
 * point by kasan_report_async). Alloc/free stacks go to the tag modes' stack ring; no
 * quarantine, no per-object metadata. Page tags live in the page allocator's memmap.
 *
 * Boot (kasan_init_hw_tags_cpu on each CPU, kasan_init_hw_tags once): with `kasan=off` or
 * without MTE nothing is enabled — the hooks become no-ops, every CPU keeps TCF = NONE and
 * allocators see hwTagsEnabled false. Otherwise each CPU's SCTLR_EL1.TCF is programmed for
 * kasan.mode (asymm falls back to sync on CPUs without FEAT_MTE3).
 */
import {
  MTE_GRANULE_SIZE,
  MTE_MODE_NAMES,
  mteGetPtrTag,
  TAG_CHECK_FAULT_SYNC,
  type Mte,
  type TcfMode,
} from "../../arch/index.js";
import { ptrOffset, type Ptr, setTag, TAG_KERNEL, USER_BASE } from "../../arch/pointer.js";
import type { KasanCacheCreateArgs, KasanCacheView } from "../../mm/kasan-hooks.js";
import type { KasanBackend } from "../common/backend.js";
import type { KasanEnv } from "../common/env.js";
import { untaggedPtr } from "../common/untag.js";
import { KASAN_TAG_INVALID, TAGS_POISON } from "../constants.js";
import type { PageTags } from "../page-tags.js";
import type { ReportInfo } from "../report/reporter.js";
import { KasanTags } from "../tags/kasan-tags.js";
import type { StackRing } from "../tags/stack-ring.js";
import { PageAllocSampler } from "./page-alloc-sample.js";
import { HwTagsFaultHandler } from "./tag-fault-handler.js";
import { hwTagsUnpoisonVmalloc } from "./unpoison-vmalloc.js";
import { isAligned } from "../../lib/align.js";

export interface HwTagsOptions {
  /** system_supports_mte(): without MTE, HW_TAGS stays disabled and kasan.* is ignored (default true). */
  systemSupportsMte?: boolean;
}

type HwMode = Exclude<TcfMode, "none">;

export class HwTagsBackend implements KasanBackend {
  readonly mode = "hw_tags" as const;
  readonly granuleSize = MTE_GRANULE_SIZE;
  readonly requiresMeta = false;
  readonly poisonValues = TAGS_POISON;
  /** kasan_enabled() = kasan_hw_tags_enabled(): the kasan_flag_enabled static key. */
  readonly enabled: boolean;
  readonly hwTagsEnabled: boolean;
  /** kasan_has_integrated_init(): zeroing rides on STZG / DC GZVA. */
  readonly hasIntegratedInit: boolean;
  /** kasan_flag_vmalloc (kasan.vmalloc=). */
  readonly vmallocEnabled: boolean;
  /** kasan_flag_stacktrace after kasan_init_tags(). */
  readonly stackCollectionEnabled: boolean;
  readonly stackRing: StackRing | undefined;
  /** kasan_page_alloc_sample / _order and the per-CPU skip counters. */
  readonly sampler: PageAllocSampler;
  /** The handler registered on the Mte (report_tag_fault / kasan_report_async). */
  readonly faultHandler: HwTagsFaultHandler;
  /** kasan_print_tags(): LDG of the first bad granule. */
  readonly memoryTagAt: (offset: number) => number;
  /** pr_info lines of the boot (MTE enable, KASAN banner), in order. */
  readonly bootLog: string[] = [];
  /** kasan_mode: the requested check mode (kasan.mode=). */
  readonly kasanMode: HwMode;
  /** The CPU whose PSTATE.TCO the current report set (report_suppress_start), or −1. */
  private tcoCpu = -1;
  /** The stack ring and page-tag glue shared with SW_TAGS (tags.c). */
  private readonly tags: KasanTags;

  constructor(
    private readonly env: KasanEnv,
    readonly mte: Mte,
    pageTags: PageTags,
    opts: HwTagsOptions = {},
  ) {
    const p = env.params;
    const nrCpus = env.ctx.nrCpus;
    if (mte.regs.nrCpus !== nrCpus) {
      throw new Error(`mte: expected an Mte built for ctx.nrCpus (${nrCpus}) CPUs, got ${mte.regs.nrCpus}`);
    }
    if (mte.counters !== env.counters) throw new Error("mte: expected an Mte sharing the run's counters (deps.counters)");
    this.kasanMode = p.kasanMode;
    const enabled = (opts.systemSupportsMte ?? true) && p.kasan;
    this.enabled = enabled;
    this.hwTagsEnabled = enabled;
    this.hasIntegratedInit = enabled;
    this.vmallocEnabled = enabled && p.kasanVmalloc;
    this.sampler = new PageAllocSampler(p.kasanPageAllocSample, p.kasanPageAllocSampleOrder, nrCpus);
    this.faultHandler = new HwTagsFaultHandler(env.reporter);
    mte.setTagFaultHandler(this.faultHandler);
    this.memoryTagAt = (offset: number) => this.mte.getMemTag(offset);

    // kasan_init_tags(): the stack ring, unless kasan.stacktrace=off or its allocation fails.
    this.tags = new KasanTags(env, pageTags, enabled && p.kasanStacktrace);
    this.stackCollectionEnabled = this.tags.stackCollectionEnabled;
    this.stackRing = this.tags.stackRing;

    if (enabled) {
      // The boot CPU enables tag checks first (kasan_init_hw_tags_cpu), then
      // kasan_init_hw_tags() prints the banner, then the secondaries come up.
      this.bootEnableCpu(0);
      this.bootLog.push(
        `kasan: KernelAddressSanitizer initialized (hw-tags, mode=${this.kasanMode}, vmalloc=${onOff(this.vmallocEnabled)}, stacktrace=${onOff(this.stackCollectionEnabled)})`,
      );
      for (let cpu = 1; cpu < nrCpus; cpu++) this.bootEnableCpu(cpu);
    }
  }

  private bootEnableCpu(cpu: number): void {
    const programmed = this.enableHwTags(cpu);
    // __mte_enable_kernel's pr_info_once.
    if (cpu === 0) this.bootLog.push(`MTE: enabled in ${MTE_MODE_NAMES[programmed]} mode at EL1`);
  }

  // --- per-CPU tag checking (kasan_enable_hw_tags, TFSR check points) ---

  /**
   * kasan_enable_hw_tags() on `cpu`: hw_enable_tag_checks_{sync,async,asymm} for kasan.mode.
   * Boot runs it on every CPU; the KUnit harness runs it after each expected sync fault to re-arm
   * checking. Returns the mode the CPU was actually programmed with.
   */
  enableHwTags(cpu: number = this.env.ctx.cpu): HwMode {
    return this.mte.enableKernel(cpu, this.kasanMode);
  }

  /** kasan_async_fault_possible(). */
  get asyncFaultPossible(): boolean {
    return this.kasanMode === "async" || this.kasanMode === "asymm";
  }

  /** kasan_sync_fault_possible(). */
  get syncFaultPossible(): boolean {
    return this.kasanMode === "sync" || this.kasanMode === "asymm";
  }

  /**
   * mte_check_tfsr_el1() on `cpu` (context switch, suspend): a pending asynchronous fault is
   * cleared and reported through kasan_report_async(). Returns whether one was pending.
   */
  checkTfsr(cpu: number = this.env.ctx.cpu): boolean {
    return this.mte.checkTfsr(cpu);
  }

  /**
   * kasan_force_async_fault() = mte_check_tfsr_exit() (kernel exit): checks TFSR_EL1 only once
   * some CPU runs async or asymm (system_uses_mte_async_or_asymm_mode()).
   */
  forceAsyncFault(cpu: number = this.env.ctx.cpu): boolean {
    if (!this.mte.regs.asyncOrAsymmMode) return false;
    return this.mte.checkTfsr(cpu);
  }

  // --- tags ---

  /** kasan_random_tag() = mte_get_random_tag(): IRG. */
  randomTag(): number {
    return this.mte.getRandomTag();
  }
  /** get_tag() = mte_get_ptr_tag(): 0xF0 | logical tag. */
  getTag(p: Ptr): number {
    return mteGetPtrTag(p);
  }
  /** set_tag() = __tag_set(): replace the top byte. */
  setTag(p: Ptr, tag: number): Ptr {
    return setTag(p, tag);
  }
  resetTag(p: Ptr): Ptr {
    return untaggedPtr(ptrOffset(p));
  }
  pageAddress(pfn: number): Ptr {
    return this.tags.pageAddress(pfn);
  }
  pageKasanTagSet(pfn: number, tag: number): void {
    this.tags.pageKasanTagSet(pfn, tag);
  }
  pageKasanTagReset(pfn: number): void {
    this.tags.pageKasanTagReset(pfn);
  }
  /** kasan_sample_page_alloc(order) on the current CPU. */
  samplePageAlloc(order: number): boolean {
    return this.sampler.sampleAlloc(this.env.ctx.cpu, order);
  }

  // --- poisoning primitives (mm/kasan/kasan.h, CONFIG_KASAN_HW_TAGS inlines) ---

  /** kasan_poison(): WARN and bail on misalignment; else mte_set_mem_tag_range(untagged, …). */
  poison(p: Ptr, size: number, value: number, init: boolean): void {
    const off = ptrOffset(p);
    if (!isAligned(off, MTE_GRANULE_SIZE)) {
      this.env.warn(`kasan_poison: address ${off.toString(16)} not aligned to ${MTE_GRANULE_SIZE}`);
      return;
    }
    if (!isAligned(size, MTE_GRANULE_SIZE)) {
      this.env.warn(`kasan_poison: size ${size} not a multiple of ${MTE_GRANULE_SIZE}`);
      return;
    }
    this.mte.setMemTagRange(off, size, value, init); // the helper ignores the pointer tag: the offset will do
  }

  /**
   * kasan_unpoison(): the pointer's tag over round_up(size, 16) bytes; `init` zeroes in the same
   * pass. (Since 6.5 the slub_debug precise-zeroing case lives in slab_post_alloc_hook, which
   * then passes init = false; kasan_unpoison itself has no special case.)
   */
  unpoison(p: Ptr, size: number, init: boolean): void {
    const tag = mteGetPtrTag(p);
    const off = ptrOffset(p);
    if (!isAligned(off, MTE_GRANULE_SIZE)) {
      this.env.warn(`kasan_unpoison: address ${off.toString(16)} not aligned to ${MTE_GRANULE_SIZE}`);
      return;
    }
    const rounded = Math.ceil(size / MTE_GRANULE_SIZE) * MTE_GRANULE_SIZE;
    this.mte.setMemTagRange(off, rounded, tag, init);
  }

  /** Byte precision exists only in Generic. */
  poisonLastGranule(_p: Ptr, _size: number): void {}

  /** kasan_byte_accessible(): LDG, then match-all pointer or equal tags. */
  byteAccessible(p: Ptr): boolean {
    const ptrTag = mteGetPtrTag(p);
    const memTag = this.mte.getMemTag(p);
    return ptrTag === TAG_KERNEL || ptrTag === memTag;
  }

  // --- accesses: the CPU checks, no instrumentation ---

  /**
   * A load/store the CPU tag-checks on the current CPU. Returns false when a synchronous tag
   * check fault was reported (kasan_report ran); an async fault only sets TFSR_EL1 and the
   * access counts as done. A size ≤ 0 touches nothing.
   */
  checkAccess(p: Ptr, size: number, write: boolean, ip: number, _constantSize: boolean): boolean {
    if (!(size > 0)) return true;
    const r = this.mte.checkAccess(this.env.ctx.cpu, p, size, write, ip);
    return r !== TAG_CHECK_FAULT_SYNC || !this.faultHandler.lastSyncReported;
  }

  // --- no per-object metadata or quarantine; stacks go to the ring (tags.c) ---

  cacheCreate(_args: KasanCacheCreateArgs): void {}
  initObjectMeta(_cache: KasanCacheView, _object: Ptr): void {}
  saveAllocInfo(cache: KasanCacheView, object: Ptr, gfp: number): void {
    this.tags.saveAllocInfo(cache, object, gfp);
  }
  saveFreeInfo(cache: KasanCacheView, object: Ptr): void {
    this.tags.saveFreeInfo(cache, object);
  }
  quarantinePut(_cache: KasanCacheView, _object: Ptr): boolean {
    return false;
  }
  quarantineReduce(): void {}
  quarantineRemoveCache(_cache: KasanCacheView): void {}
  recordAuxStack(_p: Ptr, _canAlloc: boolean): void {}

  // --- vmalloc ---

  /** No shadow to map. */
  populateVmalloc(_start: Ptr, _size: number): void {}
  releaseVmalloc(_start: Ptr, _end: Ptr): void {}
  unpoisonVmalloc(start: Ptr, size: number, flags: number, backingPfns: readonly number[]): Ptr {
    return hwTagsUnpoisonVmalloc(this, this.env, start, size, flags, backingPfns);
  }
  /** __kasan_poison_vmalloc(): nothing — vfree's page frees poison the backing pages. */
  poisonVmalloc(_start: Ptr, _size: number): void {}

  // --- report_hw_tags.c / report_tags.c ---

  /** kasan_find_first_bad_addr(): the faulting address is already the first bad one. */
  findFirstBadAddr(p: Ptr, _size: number): number {
    return ptrOffset(p);
  }

  /** kasan_metadata_fetch_row(): one LDG per granule. */
  metadataFetchRow(rowOffset: number, out: number[]): void {
    for (let i = 0; i < out.length; i++) {
      const o = rowOffset + i * MTE_GRANULE_SIZE;
      out[i] = o >= 0 && o < USER_BASE ? this.mte.getMemTag(o) : 0;
    }
  }

  /** kasan_get_alloc_size(): 16 per granule (LDG) until the first KASAN_TAG_INVALID. */
  getAllocSize(object: number, cache: KasanCacheView): number {
    let size = 0;
    let a = object;
    while (size < cache.objectSize) {
      if (this.mte.getMemTag(a) === KASAN_TAG_INVALID) return size;
      size += MTE_GRANULE_SIZE;
      a += MTE_GRANULE_SIZE;
    }
    return cache.objectSize;
  }

  completeModeReportInfo(info: ReportInfo): void {
    this.tags.completeModeReportInfo(info);
  }

  /** report_suppress_start(): preemption off, PSTATE.TCO set on the reporting CPU. */
  reportSuppressStart(): void {
    const h = this.faultHandler.reportingCpu;
    this.tcoCpu = h >= 0 ? h : this.env.ctx.cpu;
    this.mte.suppressTagChecksStart(this.tcoCpu);
  }

  /** report_suppress_stop(). */
  reportSuppressStop(): void {
    if (this.tcoCpu < 0) return;
    this.mte.suppressTagChecksStop(this.tcoCpu);
    this.tcoCpu = -1;
  }
}

function onOff(b: boolean): string {
  return b ? "on" : "off";
}
