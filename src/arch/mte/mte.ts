/**
 * One Arm MTE machine per run: tag storage, system registers, the tag instructions, the kernel's
 * tagging helpers (asm/mte-kasan.h, arch/arm64/lib/mte.S), tag checks and the per-CPU fault
 * state (arch/arm64/kernel/mte.c, arch/arm64/mm/fault.c). Every random tag comes from the
 * run's seeded Prng; every instruction is counted in `counters.cur`.
 */
import type { Counters } from "../../cost/counters.js";
import type { Prng } from "../../lib/prng.js";
import { ptrOffset, type Ptr } from "../pointer.js";
import { MteInstructions } from "./instructions.js";
import { mteClearPageTags, mteZeroClearPageTags } from "./page-tags.js";
import { mteSetMemTagRange } from "./set-mem-tag-range.js";
import {
  MteSysregs,
  TCF_ASYMM,
  TCF_ASYNC,
  TCF_NONE,
  TCF_SYNC,
  tcfToMode,
  type MteSysregsOptions,
  type TcfMode,
} from "./sysregs.js";
import { TagChecker } from "./tag-check.js";
import type { TagFaultHandler } from "./tag-fault.js";
import { TagStorage, type TaggedMappingLookup } from "./tag-storage.js";

export interface MteOptions extends MteSysregsOptions {
  prng: Prng;
  counters: Counters;
}

/** pr_info_once text of __mte_enable_kernel: "MTE: enabled in <name> mode at EL1". */
export const MTE_MODE_NAMES: Readonly<Record<Exclude<TcfMode, "none">, string>> = {
  sync: "synchronous",
  async: "asynchronous",
  asymm: "asymmetric",
};

export class Mte {
  readonly regs: MteSysregs;
  readonly storage: TagStorage;
  readonly insn: MteInstructions;
  readonly checker: TagChecker;
  readonly counters: Counters;

  constructor(o: MteOptions) {
    this.regs = new MteSysregs(o);
    this.storage = new TagStorage();
    this.counters = o.counters;
    this.insn = new MteInstructions(this.storage, this.regs, o.prng, o.counters);
    this.checker = new TagChecker(this.storage, this.regs, o.counters);
  }

  /** Register the KASAN report hook (kasan_report / kasan_report_async). */
  setTagFaultHandler(handler: TagFaultHandler | undefined): void {
    this.checker.handler = handler;
  }

  /** Register mm's vmalloc page-table walk so vmalloc tags land on the backing frames. */
  setMappingLookup(lookup: TaggedMappingLookup | undefined): void {
    this.storage.setMappingLookup(lookup);
  }

  // --- KASAN-facing helpers (asm/mte-kasan.h) ---

  /** mte_get_random_tag(): IRG, returned in KASAN form 0xF0|x (never 0xFE/0xFF by default). */
  getRandomTag(): number {
    return 0xf0 | this.insn.irgLogicalTag(); // = mteGetPtrTag(irg(0)) without building the pointer
  }

  /** mte_get_mem_tag(addr): LDG, returned in KASAN form 0xF0|x. */
  getMemTag(addr: Ptr): number {
    return 0xf0 | this.insn.ldgLogicalTag(addr); // = mteGetPtrTag(ldg(addr))
  }

  /** mte_set_mem_tag_range(addr, size, tag, init). */
  setMemTagRange(addr: Ptr, size: number, tag: number, init: boolean): void {
    mteSetMemTagRange(this.storage, this.regs, this.counters, addr, size, tag, init);
  }

  /** mte_zero_clear_page_tags(addr) (tag_clear_highpage). */
  zeroClearPageTags(addr: Ptr): void {
    mteZeroClearPageTags(this.storage, this.regs, this.counters, addr);
  }

  /** mte_clear_page_tags(addr). */
  clearPageTags(addr: Ptr): void {
    mteClearPageTags(this.storage, this.regs, this.counters, addr);
  }

  // --- accesses and faults ---

  /** A tag-checked load/store; see TagChecker.checkAccess. */
  checkAccess(cpu: number, p: Ptr, size: number, isWrite: boolean, ip: number): number {
    return this.checker.checkAccess(cpu, p, size, isWrite, ip);
  }

  /** mte_check_tfsr_el1 on `cpu`: surface a pending async fault once. */
  checkTfsr(cpu: number): boolean {
    this.regs.checkCpu(cpu);
    return this.checker.checkTfsr(cpu);
  }

  /** Whether `cpu` has an async fault pending in TFSR_EL1.TF1. */
  tfsrPending(cpu: number): boolean {
    this.regs.checkCpu(cpu);
    return this.regs.tfsrTf1[cpu] !== 0;
  }

  // --- per-CPU enable/disable (mte_enable_kernel_*, kasan_enable_hw_tags, do_tag_recovery) ---

  /**
   * mte_enable_kernel_{sync,async,asymm} on `cpu` (what kasan_enable_hw_tags runs on the local
   * CPU, at boot and to re-enable checks after a sync fault). asymm without the ARM64_MTE_ASYMM
   * capability falls back to sync; async/asymm turn on the mte_async_or_asymm_mode static key.
   * Returns the mode actually programmed; `MTE_MODE_NAMES` gives its pr_info name.
   */
  enableKernel(cpu: number, mode: Exclude<TcfMode, "none">): Exclude<TcfMode, "none"> {
    this.regs.checkCpu(cpu);
    let tcf: number;
    if (mode === "sync") tcf = TCF_SYNC;
    else if (mode === "async") tcf = TCF_ASYNC;
    else if (mode === "asymm") tcf = this.regs.asymmSupported ? TCF_ASYMM : TCF_SYNC;
    else throw new Error(`mode: expected sync, async or asymm, got ${String(mode)}`);
    this.regs.tcf[cpu] = tcf;
    if (tcf !== TCF_SYNC) this.regs.asyncOrAsymmMode = true;
    return tcfToMode(tcf) as Exclude<TcfMode, "none">;
  }

  /**
   * mte_enable_kernel_store_only on `cpu` (kasan.write_only, post-6.12): false (-EINVAL in the
   * kernel) when the CPU lacks FEAT_MTE_STORE_ONLY.
   */
  enableKernelStoreOnly(cpu: number): boolean {
    this.regs.checkCpu(cpu);
    if (!this.regs.storeOnlySupported) return false;
    this.regs.tcso[cpu] = 1;
    return true;
  }

  /** Write SCTLR_EL1.TCF = NONE on `cpu` (what do_tag_recovery does after a sync fault). */
  disableTagChecks(cpu: number): void {
    this.regs.checkCpu(cpu);
    this.regs.tcf[cpu] = TCF_NONE;
  }

  /** The CPU's current SCTLR_EL1.TCF. */
  tcf(cpu: number): TcfMode {
    this.regs.checkCpu(cpu);
    return tcfToMode(this.regs.tcf[cpu]);
  }

  /** mte_enable_tco / arch_suppress_tag_checks_start: PSTATE.TCO = 1 on `cpu`. */
  suppressTagChecksStart(cpu: number): void {
    this.regs.checkCpu(cpu);
    this.regs.tco[cpu] = 1;
  }

  /** mte_disable_tco / arch_suppress_tag_checks_stop: PSTATE.TCO = 0 on `cpu`. */
  suppressTagChecksStop(cpu: number): void {
    this.regs.checkCpu(cpu);
    this.regs.tco[cpu] = 0;
  }

  /** Read the logical allocation tag of the granule at `addr` without counting an LDG. */
  peekTag(addr: Ptr): number {
    return this.storage.readTag(ptrOffset(addr));
  }
}
